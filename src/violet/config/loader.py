"""Load `violet.toml` into `VioletConfig`, turning every failure into a `ConfigError(file, key, reason)`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import tomli_w

from violet.config.errors import ConfigError
from violet.config.schema import EMBEDDED, VioletConfig
from violet.config.shards import check_shards

EMBEDDED_DEFAULTS = "<embedded defaults>"
_AT_PATH = re.compile(r"^(?P<reason>.*?)(?: - at (?:`key` in )?`\$(?P<path>[^`]*)`)?$", re.DOTALL)
"""msgspec's "<reason> - at `$.a.b`", or "- at `key` in `$.a.b`" for a key of a table (a per-channel map)."""


def _key_of(path: str) -> str:
    # msgspec paths look like ".alpha.assets[1]"; config users think in dotted TOML keys.
    return path.lstrip(".")


def parse_config(data: dict[str, Any], *, file: str) -> VioletConfig:
    try:
        cfg = msgspec.convert(data, VioletConfig, strict=True)
    except msgspec.ValidationError as exc:
        match = _AT_PATH.match(str(exc))
        reason = match.group("reason") if match else str(exc)
        key = _key_of(match.group("path") or "") if match else ""
        raise ConfigError(file, key, reason) from None
    check_shards(cfg, file=file)
    check_planes(cfg, file=file)
    return cfg


SOURCE_OF_PLANE = {"alpha": "nt_binance", "venue": "bingx"}
"""The in-process adapter that reads each plane's venue (the others, remote and in-memory, serve either plane)."""


def check_planes(cfg: VioletConfig, *, file: str) -> None:
    """A venue adapter serves its own plane only (nt_binance the alpha plane, bingx the venue plane): refused here, so
    `violet config check` refuses what starting would."""
    for plane, source in SOURCE_OF_PLANE.items():
        adapter = getattr(cfg, plane).adapter
        if adapter in SOURCE_OF_PLANE.values() and adapter != source:
            raise ConfigError(file, f"{plane}.adapter", f"{adapter!r} does not serve the {plane} plane")
    history = [p for p in ("alpha", "venue") if getattr(cfg, p).adapter == "history"]
    if len(history) == 1:
        # Planes share one clock: a recording beside a live plane would compare prices from different days.
        raise ConfigError(file, f"{history[0]}.adapter", "history replays both planes or neither")
    h = cfg.history
    frames = bool(h.alpha_frames or h.venue_frames)
    if history and not (h.catalog or frames):
        raise ConfigError(file, "history.catalog", "the recording to replay is required with the history adapter")
    if h.catalog and frames:
        raise ConfigError(file, "history.catalog", "a catalog or raw frame files, not both")
    if frames and h.follow:
        raise ConfigError(file, "history.follow", "only a catalog being written can be followed")


def dump_config(cfg: VioletConfig) -> str:
    """TOML text of `cfg` (for handing a resolved config to a child process), written by tomli-w: keys that need
    quoting (`"depth5@500ms"`, asset ids) and nested tables come out right without our own TOML writer."""
    return tomli_w.dumps(_without_none(msgspec.to_builtins(cfg)))


def _without_none(value: Any) -> Any:
    """TOML has no null: an unset optional is left out (the schema's default, None, applies again on reading)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def load_config(path: Path | None) -> VioletConfig:
    """The config at `path`, or the embedded defaults when `path` is None."""
    if path is None:
        return EMBEDDED
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file, "", f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None
    return parse_config(data, file=file)
