"""Version 2 of the value a `violet feed` process writes into Hazelcast for one asset's newest update.

    "VH" | version u8 | reserved u8 | writer generation u64 | ts_event i64 | source mono ns i64
    | publish wall ns i64 | updates u64
    | asset, venue, bid, ask, last: each u8 length + ASCII (length 0 = absent)

v2 added the asset, so a value names its own key (checked by readers) and the same payload can travel where
there is no key (the ReliableTopic measured by `violet bench hz-transport`).

Stored as a bytearray (the Python client serializes bytearray natively as byte[]; plain bytes would be pickled).
`updates` counts every update of the asset since the writer started, so readers count what they conflated; the
generation (random per writer start) tells readers a restarted feed's counters began again.
"""

from __future__ import annotations

import struct

import attrs

MAGIC = b"VH"
VERSION = 2
_HEAD = struct.Struct("<2sBBQqqqQ")
HEARTBEAT_KEY = "__heartbeat__"


class HzPayloadError(ValueError):
    """A value that is not a violet v2 payload: unknown version, truncated, garbage."""


@attrs.frozen(slots=True)
class HzTick:
    generation: int
    asset: str
    venue: str
    bid: str | None
    ask: str | None
    last: str | None
    ts_event: int
    source_mono_ns: int
    publish_wall_ns: int
    updates: int


def _text(value: str | None) -> bytes:
    if value is None:
        return b"\x00"
    raw = value.encode("ascii")
    if len(raw) > 255:
        raise ValueError("field too long")
    return bytes([len(raw)]) + raw


def encode(tick: HzTick) -> bytearray:
    head = _HEAD.pack(
        MAGIC, VERSION, 0, tick.generation, tick.ts_event, tick.source_mono_ns, tick.publish_wall_ns, tick.updates
    )
    return bytearray(
        head + _text(tick.asset) + _text(tick.venue) + _text(tick.bid) + _text(tick.ask) + _text(tick.last)
    )


def decode(raw: bytes | bytearray) -> HzTick:
    if not isinstance(raw, bytes | bytearray) or len(raw) < _HEAD.size:
        raise HzPayloadError("truncated or not bytes")
    magic, version, _, generation, ts_event, src, pub, updates = _HEAD.unpack_from(raw, 0)
    if magic != MAGIC:
        raise HzPayloadError("not a violet payload")
    if version != VERSION:
        raise HzPayloadError(f"payload version {version}; this reader understands {VERSION}")
    fields: list[str | None] = []
    pos = _HEAD.size
    for _ in range(5):
        if pos >= len(raw):
            raise HzPayloadError("truncated")
        n = raw[pos]
        pos += 1
        if pos + n > len(raw):
            raise HzPayloadError("truncated")
        try:
            fields.append(bytes(raw[pos : pos + n]).decode("ascii") if n else None)
        except UnicodeDecodeError:
            raise HzPayloadError("non-ASCII field") from None
        pos += n
    if pos != len(raw):
        raise HzPayloadError("trailing bytes")
    asset, venue, bid, ask, last = fields
    return HzTick(generation, asset or "", venue or "", bid, ask, last, ts_event, src, pub, updates)
