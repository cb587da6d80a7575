"""Writer and reader of the shared-memory latest-value table (layout in `shm_layout`).

The writer owns the segment (0600, created exclusively, unlinked on close). Readers attach read-only,
copy a slot between two reads of its sequence number (seqlock: no torn reads), and learn of a dead or
hung writer from its heartbeat. Wake-ups travel as 1-byte datagrams to each reader's UNIX socket in a
0700 directory, so readers sleep in the event loop instead of spinning.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterable, Iterator
from multiprocessing import resource_tracker, shared_memory

from violet.bridges.record import KINDS, BridgeRecord
from violet.bridges.shm_layout import (
    CHANGES_OFFSET,
    CLOSED_OFFSET,
    DIR_ENTRY,
    DIRECTORY_VERSION_OFFSET,
    HEADER,
    HEADER_SIZE,
    HEARTBEAT_OFFSET,
    LAYOUT_VERSION,
    MAGIC,
    RING_HEAD_OFFSET,
    RING_SLOTS,
    SLOT_BODY,
    LayoutError,
    Words,
    pack_text,
    ring_offset,
    segment_name,
    slot_offset,
    table_size,
    unpack_text,
)
from violet.bridges.shm_ownership import check_platform, replace_dead_writers_table
from violet.bridges.shm_wake import wake_dir
from violet.domain import NormalizedTick, VioletError, format_price


class CorruptSlot(VioletError, ValueError):
    """A committed slot whose bytes do not decode (not ASCII, bad lengths): a bridge fault, never a price."""


class ShmTableWriter:
    def __init__(self, bridge: str, assets: Iterable[str], *, shard: int = 0, shards: int = 1, room: int = 0) -> None:
        """`bridge`: the plane's bridge (readers' wake-ups are per plane); `shard` of `shards`: which table of it;
        `room`: assets that can be added while it runs (`add_assets`: new listings)."""
        self.bridge = bridge
        self.name = segment_name(bridge, shard, shards)
        keys = [(a, k) for a in sorted(set(assets)) for k in KINDS]
        self._index = {key: i for i, key in enumerate(keys)}
        self._slots = len(keys) + room * len(KINDS)
        check_platform()
        replace_dead_writers_table(self.name)
        self._shm = shared_memory.SharedMemory(self.name, create=True, size=table_size(self._slots))
        assert self._shm.buf is not None
        self._buf: memoryview = self._shm.buf
        self._words = Words(self._buf)
        self.generation = secrets.randbits(63)
        HEADER.pack_into(
            self._buf,
            0,
            *(MAGIC, LAYOUT_VERSION, self._slots, 0, os.getpid(), self.generation, 0, 0, 0, 0, shard, shards, 0),
        )
        self._ring = ring_offset(self._slots)
        for key, i in self._index.items():
            self._enter(key, i)
        self._order = 0
        self._updates = [0] * self._slots
        self._wake_dir = wake_dir(bridge)
        self._readers: list[str] = []
        self._readers_checked = 0.0
        self._wake_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._wake_sock.setblocking(False)
        self.published = 0
        self.rejected = 0
        self.failed = 0  # a write into shared memory cannot fail once the slot is found
        # No heartbeat yet: readers wait for the first beat, which comes once the source is live.

    def _enter(self, key: tuple[str, str], index: int) -> None:
        asset, kind = key
        entry = f"{asset}\x00{kind}".encode("ascii")[: DIR_ENTRY - 1]
        off = HEADER_SIZE + index * DIR_ENTRY
        self._buf[off : off + len(entry)] = entry

    @property
    def assets(self) -> frozenset[str]:
        return frozenset(a for a, _ in self._index)

    def add_assets(self, assets: Iterable[str]) -> list[str]:
        """Slots for assets listed while running, as far as the room kept at creation goes; returns those added
        (in order; the rest do not fit and are not published). Call before the first tick of any of them."""
        known = self.assets
        added: list[str] = []
        for asset in assets:
            if asset in known or asset in added:
                continue
            if not asset.isascii() or len(asset) + 1 + max(map(len, KINDS)) >= DIR_ENTRY:
                continue  # a name the directory cannot hold is never published (counted at write as rejected)
            if len(self._index) + len(KINDS) > self._slots:
                break
            for kind in KINDS:
                index = len(self._index)
                self._index[(asset, kind)] = index
                self._enter((asset, kind), index)
            added.append(asset)
        if added:
            self._words.set64(DIRECTORY_VERSION_OFFSET, self._words.get64(DIRECTORY_VERSION_OFFSET) + 1)
        return added

    def heartbeat(self) -> None:
        self._words.set64(HEARTBEAT_OFFSET, time.monotonic_ns())

    def progressed(self) -> None:
        """A live source published: as good as a heartbeat, and a busy loop cannot starve it (it rides the write)."""
        self.heartbeat()

    def write(self, tick: NormalizedTick) -> bool:
        """Write one tick into its (asset, kind) slot, as that slot's next update."""
        index = self._index.get((tick.asset, tick.kind.value))
        if index is None:
            self.rejected += 1
            return False
        try:
            venue = tick.venue.encode("ascii")[:15]
            texts = [pack_text(None if p is None else format_price(p), 24) for p in (tick.bid, tick.ask, tick.last)]
        except (UnicodeEncodeError, ValueError):  # a price longer than its field: counted, never truncated
            self.rejected += 1
            return False
        words = self._words
        off = slot_offset(self._slots, index)
        seq = words.get64(off)
        words.set64(off, seq + 1)  # odd: being written
        self._order += 1
        self._updates[index] += 1
        SLOT_BODY.pack_into(
            self._buf,
            off + 8,
            self._order,
            self._updates[index],
            tick.ts_event,
            tick.mono_ns,
            time.monotonic_ns(),
            venue,
            *texts,
        )
        words.set64(off, seq + 2)  # even: consistent
        words.set32(self._ring + (self._order % RING_SLOTS) * 4, index)  # the entry, then the head
        words.set64(RING_HEAD_OFFSET, self._order + 1)
        words.set64(CHANGES_OFFSET, self._order)
        self.published += 1
        return True

    def wake(self) -> None:
        """Tell readers there is news; call once per batch of writes. Not a heartbeat: a source that is not live can
        still hand over ticks (a reconnecting venue's first frames), and readers must not take those for liveness."""
        now = time.monotonic()
        if now - self._readers_checked > 0.2:
            self._readers = [str(p) for p in self._wake_dir.glob("*.sock")]
            self._readers_checked = now
        for path in self._readers:
            try:
                self._wake_sock.sendto(b"!", path)
            except BlockingIOError:
                pass  # that reader already has wake-ups queued
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    os.unlink(path)  # a reader that died without cleaning up

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._buf[CLOSED_OFFSET] = 1
            self.wake()
        self._wake_sock.close()
        with contextlib.suppress(OSError):  # readers still there keep it; the last of them removes it
            self._wake_dir.rmdir()
        self._words.release()
        self._buf.release()
        self._shm.close()
        # A reader sharing this process's resource tracker (same process, or a child spawned from it) unregistered
        # the segment when it attached; register it again so that unlink's own unregister finds it (otherwise the
        # tracker prints a KeyError traceback). Registering twice is harmless: the tracker keeps a set.
        name = self._shm._name  # type: ignore[attr-defined]
        resource_tracker.register(name, "shared_memory")
        try:
            self._shm.unlink()
        except FileNotFoundError:  # someone removed it already; the tracker must not try at exit
            resource_tracker.unregister(name, "shared_memory")


class ShmTableReader:
    """Attach to a writer's table. Raises FileNotFoundError when no writer is up, LayoutError on a
    segment of another layout version or not violet's."""

    def __init__(self, bridge: str, *, skip_existing: bool = True, shard: int = 0, shards: int = 1) -> None:
        """`skip_existing`: values already in the table are not reported by `changed()` but kept in `initial`, the
        reader's baseline (their updates are not news; their values are, aged by the feed's receive stamp they
        carry); False for a table a restarted writer has just begun."""
        self.name = segment_name(bridge, shard, shards)
        shm = shared_memory.SharedMemory(self.name)
        # Python 3.11 registers attached segments too and would unlink the writer's at our exit.
        resource_tracker.unregister(shm._name, "shared_memory")  # type: ignore[attr-defined]
        self._shm = shm
        assert shm.buf is not None
        self._buf: memoryview = shm.buf
        magic, version = HEADER.unpack_from(self._buf, 0)[:2]
        if magic != MAGIC:
            self.close()
            raise LayoutError(f"{self.name} is not a violet shared-memory table")
        if version != LAYOUT_VERSION:
            self.close()
            raise LayoutError(f"{self.name} has layout v{version}; this reader understands v{LAYOUT_VERSION} only")
        header = HEADER.unpack_from(self._buf, 0)
        slots, _, pid, generation = header[2:6]
        if header[10:12] != (shard, shards):
            self.close()
            raise LayoutError(f"{self.name} says shard {header[10]} of {header[11]}, expected {shard} of {shards}")
        self.slots = slots
        self.writer_pid = pid
        self.generation = generation
        if table_size(slots) > len(self._buf):
            self.close()
            raise LayoutError(f"{self.name} declares {slots} slots but is only {len(self._buf)} bytes")
        self.keys: list[tuple[str, str]] = [("", "")] * slots
        """Each slot's (asset, kind); ("", "") for a slot the writer keeps free."""
        self._words = Words(self._buf)
        self.directory_version = -1
        try:
            self._read_directory()
        except LayoutError:
            self.close()
            raise
        self.corrupt = 0
        """Slots whose committed contents did not decode (counted, skipped; never delivered)."""
        self.held = 0
        """Reads of a slot the writer held (mid-write) through every retry: counted, and read again next time."""
        self._held_slots: set[int] = set()
        self._seen = [0] * slots
        self._ring = ring_offset(slots)
        self._ring_pos = self._words.get64(RING_HEAD_OFFSET)
        self.initial: list[BridgeRecord] = []
        """With `skip_existing`: the values in the table when it was opened, in write order (the caller takes them)."""
        if skip_existing:
            found: list[tuple[int, BridgeRecord]] = []
            for i in range(slots):
                try:
                    value = self.read_slot(i)
                except CorruptSlot:
                    self.corrupt += 1
                    continue
                if value is not None and self.keys[i][0]:
                    found.append(value)
                self._seen[i] = 0 if value is None else value[1].updates
            self.initial = [record for _, record in sorted(found, key=lambda entry: entry[0])]

    def _read_directory(self) -> None:
        """The entries of the slots still free here (entries once written never change), from the current version."""
        self.directory_version = self._words.get64(DIRECTORY_VERSION_OFFSET)
        for i, key in enumerate(self.keys):
            if key[0]:
                continue
            off = HEADER_SIZE + i * DIR_ENTRY
            raw = bytes(self._buf[off : off + DIR_ENTRY]).rstrip(b"\x00")
            if not raw:
                break  # a writer fills its free slots in order
            try:
                asset, _, kind = raw.decode("ascii").partition("\x00")
            except UnicodeDecodeError:
                raise LayoutError(f"{self.name} has a corrupt directory entry {i}") from None
            self.keys[i] = (asset, kind)

    @property
    def assets(self) -> frozenset[str]:
        return frozenset(a for a, _ in self.keys if a)

    def heartbeat_ns(self) -> int:
        return self._words.get64(HEARTBEAT_OFFSET)

    def writer_closed(self) -> bool:
        return bool(self._buf[CLOSED_OFFSET])

    def read_slot(self, index: int, *, spins: int = 1000) -> tuple[int, BridgeRecord] | None:
        """(write order, record) of a slot, None if never written, or if the writer held it through all `spins`
        (counted in `held`: the change is not lost, the slot is read again on the next call)."""
        buf = self._buf
        words = self._words
        off = slot_offset(self.slots, index)
        for _ in range(spins):
            before = words.get64(off)
            if before & 1:
                continue
            row = SLOT_BODY.unpack_from(buf, off + 8)
            if words.get64(off) != before:
                continue  # the writer was here meanwhile: read again
            if before == 0:
                return None
            order, updates, ts_event, src, pub, venue, bid, ask, last = row
            asset, kind = self.keys[index]
            try:
                prices = unpack_text(bid), unpack_text(ask), unpack_text(last)
                venue_name = venue.rstrip(b"\x00").decode("ascii")
                return order, BridgeRecord.of_parts(asset, kind, venue_name, prices, (ts_event, src, pub, updates))
            except (UnicodeDecodeError, ValueError):
                raise CorruptSlot(f"slot {index} ({asset} {kind}) does not decode") from None
        self.held += 1
        self._held_slots.add(index)
        return None

    def changed(self) -> Iterator[tuple[BridgeRecord, int]]:
        """Slots written since the last call, in write order, each with how many updates were skipped."""
        words = self._words
        head = words.get64(RING_HEAD_OFFSET)
        if words.get64(DIRECTORY_VERSION_OFFSET) != self.directory_version:
            try:  # after the head: every slot it shows written has its entry by now
                self._read_directory()
            except LayoutError:
                self.corrupt += 1
        if head == self._ring_pos and not self._held_slots:
            return iter(())
        # The writer puts a write's ring entry in place before it moves the head: with the head a whole ring ahead
        # of us, the entry for our oldest unseen write may already hold the next write's slot. So a reader a whole
        # ring behind (or more) rescans every slot, and so does one the writer got that far ahead of while it read.
        if head - self._ring_pos < RING_SLOTS:
            base = self._ring
            candidates = {words.get32(base + (i % RING_SLOTS) * 4) for i in range(self._ring_pos, head)}
            if words.get64(RING_HEAD_OFFSET) - self._ring_pos >= RING_SLOTS:
                candidates = set(range(self.slots))
        else:
            candidates = set(range(self.slots))
        if self._held_slots:  # a slot the writer held last time: its change is still to be taken
            candidates |= self._held_slots
            self._held_slots = set()
        self._ring_pos = head
        out: list[tuple[int, BridgeRecord, int]] = []
        for i in candidates:
            if i >= self.slots or not self.keys[i][0]:
                continue
            try:
                slot = self.read_slot(i)
            except CorruptSlot:
                self.corrupt += 1
                continue
            if slot is None or slot[1].updates == self._seen[i]:
                continue
            order, record = slot
            skipped = record.updates - self._seen[i] - 1
            self._seen[i] = record.updates
            out.append((order, record, max(0, skipped)))
        out.sort(key=lambda entry: entry[0])
        return iter([(record, skipped) for _, record, skipped in out])

    def close(self) -> None:
        words: Words | None = getattr(self, "_words", None)  # absent when the constructor refused the segment
        if words is not None:
            words.release()
        with contextlib.suppress(Exception):
            self._buf.release()
        self._shm.close()
