"""The parts of violet that are optional installs, and the error that names the one missing.

`pip install violet` brings the core a reactor needs to read planes (the domain, the port, delivery, the
shared-memory reader, the API, config, metrics, the CLI). The rest comes with an extra, named by what it brings:
`binance` (NautilusTrader), `bingx` (violet's BingX client), `hazelcast`, `sim` (the venue simulators), `bench`,
or `all`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from violet.domain import Explained, VioletError

EXTRAS: dict[str, tuple[str, ...]] = {
    "binance": ("nautilus_trader",),
    "bingx": ("picows", "stamina"),
    "hazelcast": ("hazelcast",),
    "sim": ("trustme", "sortedcontainers", "websockets"),
    "bench": ("psutil", "matplotlib"),
}
"""Each extra and the top-level modules it installs (what a missing import is recognised by)."""


@attrs.define
class MissingExtra(Explained, VioletError, ImportError):
    template = "{what} needs violet's `{extra}` extra ({module} is not installed): pip install 'violet[{extra}]'"
    what: str
    extra: str
    module: str


def has(extra: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in EXTRAS[extra])


def require(extra: str, what: str) -> None:
    """Raise `MissingExtra` now, before anything starts, when `extra` is not installed."""
    for module in EXTRAS[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(what, extra, module)


@contextmanager
def needs(extra: str, what: str) -> Iterator[None]:
    """An import of `extra`'s modules failing inside becomes `MissingExtra` naming it."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if top in EXTRAS[extra]:
            raise MissingExtra(what, extra, top) from exc
        raise
