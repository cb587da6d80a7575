"""The shared-memory table's reader against a writer caught mid-write: a slot being written is not read, a read
that a write overlapped is read again, and a reader the writer lapped still finds every slot written.

A torn read cannot be provoked between two processes on demand, so the writer's part is played at the exact
moments the reader looks at a slot's sequence number (its only synchronisation): the interleavings are forced,
not hoped for.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs
import pytest

from violet.bridges.shm_layout import RING_SLOTS, SLOT_BODY, Words, slot_offset
from violet.bridges.shm_ownership import UnsupportedPlatform, WriterAlive, check_platform
from violet.bridges.shm_table import ShmTableReader, ShmTableWriter
from violet.domain import NormalizedTick

BTC, ETH = "BTCUSDT-PERP", "ETHUSDT-PERP"
_BID_AT = 8 + SLOT_BODY.size - 3 * 24  # the slot's bid text: after its sequence number and the body's numbers


def _quote(asset: str, bid: str, ask: str, ts: int) -> NormalizedTick:
    return NormalizedTick(venue="binance", asset=asset, bid=Decimal(bid), ask=Decimal(ask), ts_event=ts, mono_ns=ts)


@pytest.fixture
def tables() -> Iterator[tuple[ShmTableWriter, ShmTableReader]]:
    writer = ShmTableWriter(f"sq{secrets.token_hex(3)}", [BTC, ETH])
    reader = ShmTableReader(writer.bridge, skip_existing=False)
    try:
        yield writer, reader
    finally:
        reader.close()
        writer.close()


class _WriterAtTheReadersElbow:
    """The reader's view of the table's words, with the writer acting each time the reader reads `offset`."""

    def __init__(self, words: Words, offset: int, acts: list[Callable[[], None]]) -> None:
        self._words = words
        self._offset = offset
        self._acts = acts

    def get64(self, offset: int) -> int:
        value = self._words.get64(offset)
        if offset == self._offset and self._acts:
            self._acts.pop(0)()
        return value

    def get32(self, offset: int) -> int:
        return self._words.get32(offset)


@attrs.frozen
class _Slot:
    """BTC's quote slot, written once (bid 100.0), and the table's words as the writer sees them."""

    writer: ShmTableWriter
    reader: ShmTableReader
    index: int
    offset: int
    words: Words


@pytest.fixture
def btc_slot(tables: tuple[ShmTableWriter, ShmTableReader]) -> Iterator[_Slot]:
    writer, reader = tables
    writer.write(_quote(BTC, "100.0", "100.1", 1))
    index = reader.keys.index((BTC, "quote"))
    words = Words(writer._buf)
    try:
        yield _Slot(writer, reader, index, slot_offset(reader.slots, index), words)
    finally:
        words.release()


def test_a_slot_being_written_is_not_read(btc_slot: _Slot) -> None:
    s = btc_slot
    seq = s.words.get64(s.offset)
    s.words.set64(s.offset, seq + 1)  # odd: the writer is inside the slot
    assert s.reader.read_slot(s.index, spins=3) is None
    s.words.set64(s.offset, seq)
    slot = s.reader.read_slot(s.index)
    assert slot is not None and slot[1].bid == "100.0"


def test_a_read_that_a_write_overlapped_is_read_again(btc_slot: _Slot) -> None:
    s = btc_slot
    seq = s.words.get64(s.offset)

    def begin_a_write() -> None:
        # Just after the reader saw an even sequence: the writer starts, and has written part of the bid.
        s.words.set64(s.offset, seq + 1)
        s.writer._buf[s.offset + _BID_AT : s.offset + _BID_AT + 5] = b"99999"

    def finish_it() -> None:
        s.words.set64(s.offset, seq)
        s.writer.write(_quote(BTC, "101.0", "101.1", 2))

    own = s.reader._words
    s.reader._words = _WriterAtTheReadersElbow(own, s.offset, [begin_a_write, finish_it])  # type: ignore[assignment]
    try:
        slot = s.reader.read_slot(s.index)
    finally:
        s.reader._words = own
    assert slot is not None
    assert (slot[1].bid, slot[1].ask, slot[1].ts_event) == ("101.0", "101.1", 2), "never the half-written slot"


def test_a_reader_the_writer_lapped_still_finds_every_slot_written(
    tables: tuple[ShmTableWriter, ShmTableReader],
) -> None:
    writer, reader = tables
    assert list(reader.changed()) == []
    writer.write(_quote(ETH, "3000.0", "3000.1", 1))
    for n in range(RING_SLOTS + 1):  # ETH's ring entry is overwritten by BTC's
        writer.write(_quote(BTC, "100.0", "100.1", 2 + n))
    got = {(record.asset, record.kind): record.updates for record, _ in reader.changed()}
    assert got == {(ETH, "quote"): 1, (BTC, "quote"): RING_SLOTS + 1}


def test_a_reader_exactly_one_ring_behind_with_a_write_in_flight_still_finds_every_slot(
    tables: tuple[ShmTableWriter, ShmTableReader],
) -> None:
    writer, reader = tables
    writer.write(_quote(BTC, "99.0", "99.1", 1))
    assert len(list(reader.changed())) == 1  # the reader is in step with the writer
    writer.write(_quote(ETH, "3000.0", "3000.1", 1))
    for n in range(RING_SLOTS - 1):  # the head is now exactly one ring ahead of the reader
        writer.write(_quote(BTC, "100.0", "100.1", 2 + n))
    assert writer._order + 1 - reader._ring_pos == RING_SLOTS
    # The writer's next write, caught between its two ring stores: the entry is in place (over ETH's), the head not
    # yet moved. A reader that trusts a whole ring of entries takes BTC twice and never sees ETH's write.
    words = Words(writer._buf)
    try:
        btc = reader.keys.index((BTC, "quote"))
        words.set32(writer._ring + ((writer._order + 1) % RING_SLOTS) * 4, btc)
    finally:
        words.release()
    got = {(record.asset, record.kind) for record, _ in reader.changed()}
    assert got == {(ETH, "quote"), (BTC, "quote")}


def test_a_slot_the_writer_holds_through_every_retry_is_counted_and_read_on_the_next_look(btc_slot: _Slot) -> None:
    s = btc_slot
    assert [r.bid for r, _ in s.reader.changed()] == ["100.0"]
    s.writer.write(_quote(BTC, "101.0", "101.1", 2))
    seq = s.words.get64(s.offset)
    s.words.set64(s.offset, seq + 1)  # the writer stalls inside the slot (descheduled mid-write)
    assert list(s.reader.changed()) == []
    assert s.reader.held >= 1, "a held slot is counted, not silently skipped"
    s.words.set64(s.offset, seq)  # it finishes; nothing else is written
    assert [r.bid for r, _ in s.reader.changed()] == ["101.0"], "the held change is not lost"


def test_a_second_writer_refuses_a_table_whose_writer_is_alive_and_replaces_a_dead_ones() -> None:
    bridge = f"tw{secrets.token_hex(3)}"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from violet.bridges.shm_table import ShmTableWriter; "
            f"w = ShmTableWriter({bridge!r}, ['BTCUSDT-PERP']); print('up', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "up\n"
        with pytest.raises(WriterAlive, match=f"process {child.pid}, which is alive"):
            ShmTableWriter(bridge, [BTC])
        reader = ShmTableReader(bridge)  # the live writer's table is untouched by the refusal
        assert reader.writer_pid == child.pid
        reader.close()
        child.kill()  # SIGKILL: no clean-up, the segment stays behind
        child.wait()
        writer = ShmTableWriter(bridge, [BTC])  # a dead writer's table is replaced
        try:
            reader = ShmTableReader(bridge)
            assert reader.writer_pid == os.getpid()
            reader.close()
        finally:
            writer.close()
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("machine", ["aarch64", "arm64", "ppc64le", ""])
def test_the_table_refuses_a_cpu_whose_memory_ordering_it_does_not_support(machine: str) -> None:
    with pytest.raises(UnsupportedPlatform, match="use the Hazelcast bridge"):
        check_platform(machine)
    check_platform("x86_64")
