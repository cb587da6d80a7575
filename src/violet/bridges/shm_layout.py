"""Layout v4 of the shared-memory latest-value table (one writer, many readers, one host).

    header (256 bytes)
      magic "VIOLETSHM" | layout version u32 | slot count u32 | slot size u32 | writer pid u32
      | 4 pad | generation u64 (random per writer start) | heartbeat monotonic ns u64 | change counter u64
      | closed u8 | 7 pad | ring head u64 | shard index u16 | shard count u16 | 4 pad
      | directory version u64   (u64 fields 8-aligned)
    directory: slot count x 48 bytes: (asset, kind) names, NUL padded; an all-NUL entry is a slot kept free
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

The slot count is the table's capacity: a writer may keep room for assets listed while it runs (v4). It writes a new
asset's directory entries, then bumps the directory version, then the asset's first tick; a reader that reads the ring
head first and the version after it finds the entries of every slot the head shows written (the store order the
seqlock relies on too).
"""

from __future__ import annotations

import struct

from violet.domain.errors import VioletError

MAGIC = b"VIOLETSHM"
LAYOUT_VERSION = 4
HEADER = struct.Struct("<9s3xIIII4xQQQB7xQHH4xQ")
HEADER_SIZE = 256
DIR_ENTRY = 48
SLOT = struct.Struct("<QQQqqq16s24s24s24s")
SLOT_BODY = struct.Struct("<QQqqq16s24s24s24s")
"""A slot after its sequence number: written with `pack_into`, which zero-fills first, so only under the seqlock."""
SLOT_SIZE = 160

# Offsets inside the header for the fields the writer updates on its hot path: 8-aligned, each read and written as
# one machine word (`Words`).
GENERATION_OFFSET = 32
HEARTBEAT_OFFSET = GENERATION_OFFSET + 8
CHANGES_OFFSET = HEARTBEAT_OFFSET + 8
CLOSED_OFFSET = CHANGES_OFFSET + 8
RING_HEAD_OFFSET = CLOSED_OFFSET + 8
SHARD_OFFSET = RING_HEAD_OFFSET + 8
"""The shard index and count (u16 each), written once at creation."""
DIRECTORY_VERSION_OFFSET = RING_HEAD_OFFSET + 16
"""Bumped after a writer adds assets (listed while it runs) to free directory entries; readers then read it again."""
RING_SLOTS = 4096
U64 = struct.Struct("<Q")
U32 = struct.Struct("<I")

assert SLOT.size <= SLOT_SIZE
assert HEADER.size <= HEADER_SIZE


assert HEARTBEAT_OFFSET % 8 == CHANGES_OFFSET % 8 == RING_HEAD_OFFSET % 8 == 0
assert struct.calcsize("<9s3xIIII4x") == GENERATION_OFFSET and struct.calcsize("<9s3xIIII4xQQQB7x") == RING_HEAD_OFFSET
assert struct.calcsize("<9s3xIIII4xQQQB7xQHH4x") == DIRECTORY_VERSION_OFFSET


class Words:
    """The table as 8- and 4-byte words, each read or written with one aligned machine access (atomic on x86-64).

    `struct.pack_into` zero-fills its target and then writes it byte by byte, so a reader in another process could
    see a field half written or all zeros: a heartbeat of 0 (a live feed reported dead: the burst bench counted a
    dozen such false outages in 20 s), a ring entry of 0 (slot 0 visited, the written slot missed), a sequence
    number of 0 (a written slot taken for never written). Shared fields outside the seqlock go through here."""

    __slots__ = ("_u32", "_u64")

    def __init__(self, buf: memoryview) -> None:
        self._u64 = buf.cast("Q")
        self._u32 = buf.cast("I")

    def get64(self, offset: int) -> int:
        return int(self._u64[offset >> 3])

    def set64(self, offset: int, value: int) -> None:
        self._u64[offset >> 3] = value

    def get32(self, offset: int) -> int:
        return int(self._u32[offset >> 2])

    def set32(self, offset: int, value: int) -> None:
        self._u32[offset >> 2] = value

    def release(self) -> None:
        self._u64.release()
        self._u32.release()


class LayoutError(VioletError, RuntimeError):
    """The segment is not a violet table, or not of a layout version this reader understands."""


def segment_name(bridge: str, shard: int = 0, shards: int = 1) -> str:
    # The layout version is part of the name: a v4 writer never meets a v3 reader by accident.
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
