"""Layout v3 of the shared-memory latest-value table (one writer, many readers, one host).

    header (256 bytes)
      magic "VIOLETSHM" | layout version u32 | slot count u32 | slot size u32 | writer pid u32
      | generation u64 (random per writer start) | heartbeat monotonic ns u64 | change counter u64 | closed u8
      | ring head u64 | shard index u16 | shard count u16
    directory: slot count x 48 bytes: (asset, kind) names, NUL padded
    ring: RING_SLOTS x u32 slot indexes, in write order, and its head u64 in the header: readers visit only the
      slots written since their last visit (a reader that fell a whole ring behind rescans every slot)
    slots: slot count x 128 bytes, each a seqlock:
      seq u64 (odd while being written) | write order u64 | updates u64 | ts_event i64 | source mono ns i64
      | publish mono ns i64 | venue[16] | bid[24] | ask[24] | last[24] (length-prefixed ASCII decimals)

A slot per (asset, kind) keeps quote and trade updates from overwriting each other, as the port's
conflation does; `updates` lets readers count what they conflated; `write order` restores publication
order across an asset's slots. CLOCK_MONOTONIC is system-wide on Linux, so mono times compare across processes.

A sharded plane is one table per shard (v3), each created, written and unlinked by its own feed process and merged
by the reader: no field is written by two processes, a shard's restart replaces only its table (new generation),
and the single-writer seqlock stays as it was measured. One table with a region per writer would have needed a
named owner to size and create it before any writer starts, and a way to replace one region after a writer's
SIGKILL while the others write. The header names the shard so a reader never merges tables of another sharding.
"""

from __future__ import annotations

import struct

MAGIC = b"VIOLETSHM"
LAYOUT_VERSION = 3
HEADER = struct.Struct("<9s3xIIII QQQB7xQHH")
HEADER_SIZE = 256
DIR_ENTRY = 48
SLOT = struct.Struct("<QQQqqq16s24s24s24s")
SLOT_SIZE = 160

# Offsets inside the header for the fields the writer updates on its hot path.
GENERATION_OFFSET = 28
HEARTBEAT_OFFSET = GENERATION_OFFSET + 8
CHANGES_OFFSET = HEARTBEAT_OFFSET + 8
CLOSED_OFFSET = CHANGES_OFFSET + 8
RING_HEAD_OFFSET = CLOSED_OFFSET + 8
RING_SLOTS = 4096
U64 = struct.Struct("<Q")
U32 = struct.Struct("<I")

assert SLOT.size <= SLOT_SIZE
assert HEADER.size <= HEADER_SIZE


class LayoutError(RuntimeError):
    """The segment is not a violet table, or not of a layout version this reader understands."""


def segment_name(bridge: str, shard: int = 0, shards: int = 1) -> str:
    # The layout version is part of the name: a v3 writer never meets a v2 reader by accident.
    sharded = "" if shards == 1 else f"-s{shard}of{shards}"
    return f"violet-{bridge}{sharded}-v{LAYOUT_VERSION}"


def ring_offset(slots: int) -> int:
    return HEADER_SIZE + slots * DIR_ENTRY


def table_size(slots: int) -> int:
    return ring_offset(slots) + RING_SLOTS * 4 + slots * SLOT_SIZE


def slot_offset(slots: int, index: int) -> int:
    return ring_offset(slots) + RING_SLOTS * 4 + index * SLOT_SIZE


def pack_text(text: str | None, width: int) -> bytes:
    if text is None:
        return b""
    raw = text.encode("ascii")
    if len(raw) >= width:
        raise ValueError(f"{text!r} does not fit {width} bytes")
    return bytes([len(raw)]) + raw


def unpack_text(raw: bytes) -> str | None:
    n = raw[0]
    return None if n == 0 else raw[1 : 1 + n].decode("ascii")
