"""Version 4 of the value a `violet feed` process writes into Hazelcast for one asset: its newest record of each
kind (quote, trade, quote+trade), so a reader's first snapshot already knows the quote's age and the trade's.

    "VH" | version u8 | record count u8 | writer generation u64 | asset | venue
    then per record: kind u8 (index in KINDS) | ts_event i64 | receive wall ns i64 | publish wall ns i64
      | updates u64 | bid | ask | last
    (each text: u8 length + ASCII; length 0 = absent)

One key per asset, not per kind: Hazelcast orders events per key, and an asset's updates must reach readers in
publication order. v3 replaced v2's single latest update (whose snapshot lost the other kind's age); v4 carries the
feed's receive time on its wall clock where v3 had its monotonic clock (meaningless on another host), so a reader
counts the time a tick spent in the feed and the bridge as age. Same bytes, new meaning: hence a new version.

Stored as a bytearray (the Python client serializes bytearray natively as byte[]; plain bytes would be pickled).
The generation (random per writer start) tells readers a restarted feed's update counters began again.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import attrs

from violet.bridges.record import KINDS, BridgeRecord
from violet.domain.errors import VioletError

MAGIC = b"VH"
VERSION = 4
_HEAD = struct.Struct("<2sBBQ")
_RECORD = struct.Struct("<BqqqQ")
HEARTBEAT_KEY = "__heartbeat__"


def heartbeat_key(shard: int, shards: int) -> str:
    """Each feed shard beats under its own key (the unsharded feed under the plain one)."""
    return HEARTBEAT_KEY if shards == 1 else f"{HEARTBEAT_KEY}/{shard}"


def is_heartbeat(key: str) -> bool:
    return key.startswith(HEARTBEAT_KEY)


BEAT_SEP = "|"


def beat_value(wall_ns: int, added: Iterable[str]) -> bytearray:
    """A heartbeat: the writer's wall time (8 bytes), then the assets its shard added while running, `|`-separated."""
    return bytearray(wall_ns.to_bytes(8, "little") + BEAT_SEP.join(added).encode("ascii"))


def beat_added(value: bytes | bytearray) -> list[str]:
    """The assets a heartbeat names as added; raises HzPayloadError on a value that is not a beat."""
    if len(value) < 8:
        raise HzPayloadError(f"a heartbeat of {len(value)} bytes")
    try:
        text = bytes(value[8:]).decode("ascii")
    except UnicodeDecodeError:
        raise HzPayloadError("a heartbeat naming non-ASCII assets") from None
    return [a for a in text.split(BEAT_SEP) if a]


class HzPayloadError(VioletError, ValueError):
    """A value that is not a violet v4 payload: unknown version, truncated, garbage."""


@attrs.frozen(slots=True)
class HzValue:
    generation: int
    asset: str
    records: tuple[BridgeRecord, ...]
    """At most one per kind, all of `asset`."""


def _text(value: str | None) -> bytes:
    if value is None:
        return b"\x00"
    raw = value.encode("ascii")
    if len(raw) > 255:
        raise ValueError("field too long")
    return bytes([len(raw)]) + raw


def encode(generation: int, records: tuple[BridgeRecord, ...]) -> bytearray:
    """Raises ValueError for no record, records of different assets, or a field that does not fit."""
    if not records or len({r.asset for r in records}) != 1:
        raise ValueError("a value holds one asset's records")
    first = records[0]
    out = bytearray(_HEAD.pack(MAGIC, VERSION, len(records), generation))
    out += _text(first.asset) + _text(first.venue)
    for r in records:
        out += _RECORD.pack(KINDS.index(r.kind), *r.stamps)
        out += b"".join(_text(price) for price in r.prices)
    return out


class _Cursor:
    def __init__(self, raw: bytes | bytearray, pos: int) -> None:
        self.raw = raw
        self.pos = pos

    def text(self) -> str | None:
        raw, pos = self.raw, self.pos
        if pos >= len(raw):
            raise HzPayloadError("truncated")
        n = raw[pos]
        if pos + 1 + n > len(raw):
            raise HzPayloadError("truncated")
        self.pos = pos + 1 + n
        try:
            return bytes(raw[pos + 1 : pos + 1 + n]).decode("ascii") if n else None
        except UnicodeDecodeError:
            raise HzPayloadError("non-ASCII field") from None

    def record(self) -> tuple[int, int, int, int, int]:
        if self.pos + _RECORD.size > len(self.raw):
            raise HzPayloadError("truncated")
        row: tuple[int, int, int, int, int] = _RECORD.unpack_from(self.raw, self.pos)
        self.pos += _RECORD.size
        return row


def decode(raw: bytes | bytearray) -> HzValue:
    if not isinstance(raw, bytes | bytearray) or len(raw) < _HEAD.size:
        raise HzPayloadError("truncated or not bytes")
    magic, version, count, generation = _HEAD.unpack_from(raw, 0)
    if magic != MAGIC:
        raise HzPayloadError("not a violet payload")
    if version != VERSION:
        raise HzPayloadError(f"payload version {version}; this reader understands {VERSION}")
    if not 1 <= count <= len(KINDS):
        raise HzPayloadError(f"{count} records")
    cur = _Cursor(raw, _HEAD.size)
    asset, venue = cur.text() or "", cur.text() or ""
    records: list[BridgeRecord] = []
    for _ in range(count):
        row = cur.record()
        kind = row[0]
        if kind >= len(KINDS) or any(KINDS[kind] == r.kind for r in records):
            raise HzPayloadError(f"kind {kind} unknown or repeated")
        prices = cur.text(), cur.text(), cur.text()
        records.append(BridgeRecord.of_parts(asset, KINDS[kind], venue, prices, row[1:]))
    if cur.pos != len(raw):
        raise HzPayloadError("trailing bytes")
    return HzValue(generation, asset, tuple(records))
