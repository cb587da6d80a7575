"""The references that must not drift from the code, generated from it: every `violet.toml` key (from the config
schema: type, default, unit, its docstring) and every Prometheus metric violet exports (from a real collection).
`violet config reference` prints the first; the docs build writes both (docs/hooks.py); tests check completeness."""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
import types
import typing
from collections.abc import Iterator
from typing import Any

import msgspec

from violet.config import schema

UNITS = {"_ms": "milliseconds", "_s": "seconds", "_ns": "nanoseconds", "_h": "hours", "_per_s": "per second"}


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal under its annotation), read from the class's source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        text = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else None
        if isinstance(text, str):
            docs[node.target.id] = inspect.cleandoc(text)
    return docs


def unit_of(name: str) -> str:
    for suffix, unit in sorted(UNITS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return unit
    return ""


def _type_text(annotation: Any) -> str:
    """A type as a reader of the file thinks of it: `float > 0`, `one of "a", "b"`, `list of str`."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        limits = [f"{op} {getattr(m, n)}" for m in args[1:] for n, op in _LIMITS if getattr(m, n, None) is not None]
        pattern = next((m.pattern for m in args[1:] if getattr(m, "pattern", None)), None)
        text = _type_text(args[0]) + (" " + ", ".join(limits) if limits else "")
        return f"{text} matching `{pattern}`" if pattern else text
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{a}"' for a in args)
    if origin in (types.UnionType, typing.Union):
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type_text(a) for a in rest) + (" (optional)" if len(rest) < len(args) else "")
    if origin is list:
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"table of {_type_text(args[0])} -> {_type_text(args[1])}"
    if isinstance(annotation, typing.TypeAliasType):
        return _type_text(annotation.__value__)
    return str(getattr(annotation, "__name__", annotation))


_LIMITS = (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))


def _default_text(field: msgspec.structs.FieldInfo) -> str:
    if field.default is not msgspec.NODEFAULT:
        value = field.default
    elif field.default_factory is not msgspec.NODEFAULT:
        value = field.default_factory()
    else:
        return "required"
    if isinstance(value, msgspec.Struct):
        return "(table)"
    return f"`{msgspec.json.encode(value).decode()}`"


def config_keys() -> Iterator[tuple[str, msgspec.structs.FieldInfo, str, type]]:
    """(dotted key, field, its docstring, the table's class) for every key of `violet.toml`."""
    for table in msgspec.structs.fields(schema.VioletConfig):
        cls = _struct_of(table.type)
        docs = field_docs(cls)
        for field in msgspec.structs.fields(cls):
            yield f"{table.name}.{field.name}", field, docs.get(field.name, ""), cls


def _struct_of(annotation: Any) -> type:
    assert isinstance(annotation, type) and issubclass(annotation, msgspec.Struct), annotation
    return annotation


def config_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from `violet.config.schema` (`violet config reference` prints it): every key of `violet.toml`,",
        "its type, default and unit. Every table is optional; a key not listed here is an error, and",
        "`violet config check FILE` refuses what startup would.",
    ]
    current = None
    for key, field, doc, cls in config_keys():
        table = key.split(".")[0]
        if table != current:
            current = table
            lines += ["", f"## `[{table}]`", ""]
            if cls.__doc__:
                lines += [inspect.cleandoc(cls.__doc__), ""]
            lines += ["| key | type | default | unit | meaning |", "|---|---|---|---|---|"]
        meaning = " ".join(doc.split()).replace("|", "\\|")
        type_text = _type_text(field.type).replace("|", "\\|")
        lines.append(f"| `{field.name}` | {type_text} | {_default_text(field)} | {unit_of(field.name)} | {meaning} |")
    return "\n".join(lines) + "\n"


def metric_families() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Every family violet's metrics exporter shows, collected from a plane and a bridge output: name (with `_total`
    for counters) -> (type, help, label names)."""
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue
    from violet.metrics.collector import BridgeOutput, MonitoredPlane
    from violet.metrics.server import build_registry

    feed = InMemoryPriceFeed(InMemoryVenue(("BTCUSDT-PERP",)))
    plane = MonitoredPlane(name="alpha", adapter="in_memory", feed=feed)
    output = BridgeOutput(plane="alpha", bridge="b", published=lambda: 0, rejected=lambda: 0)
    registry, _ = build_registry([plane], [output], {"violet feed shard 0": 0})
    out: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = sorted({k for s in family.samples for k in s.labels if k not in ("le", "quantile")})
        out[name] = (family.type, family.documentation, tuple(labels))
    return out


def metrics_reference() -> str:
    lines = [
        "# Metrics reference",
        "",
        "Generated from a real collection of violet's Prometheus exporter (`violet.metrics`): every family, its",
        "type, labels and help text. Served on `/metrics` by `violet run --metrics-port`, `violet feed",
        "--metrics-port` and `open_planes(metrics_port=...)`.",
        "",
        "| metric | type | labels | meaning |",
        "|---|---|---|---|",
    ]
    for name, (kind, help_text, labels) in sorted(metric_families().items()):
        lines.append(f"| `{name}` | {kind} | {', '.join(labels)} | {help_text.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
