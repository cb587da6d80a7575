"""The catalog recorder's writing rules, through NautilusTrader's own catalog reading back what was written."""

from __future__ import annotations

import itertools
import shutil
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from tests.support.catalog_ticks import MINUTE, SPECS, WALL0, quote, recorder
from violet.adapters.history.records import CatalogFollower
from violet.domain import ManualClock, NormalizedTick
from violet.recording.catalog_files import COMPLETE_TO, STAGING, CatalogFiles, complete_to, file_interval
from violet.recording.nt_records import instrument
from violet.recording.period_compaction import CompactionFailed, compact_closed_periods


def test_ticks_read_back_through_nautilus_with_venue_and_receive_times(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    ticks = []
    for i in range(30):
        clock.advance(1_000_000)
        ticks.append(
            quote(clock, "binance", f"{100 + i}.1", f"{100 + i}.2", last=f"{100 + i}.1" if i % 3 == 0 else None)
        )
        rec.on_tick(ticks[-1])
        if i % 10 == 9:
            rec.flush(rec.take())
    rec.flush(rec.take(), final=True)
    catalog = ParquetDataCatalog(str(tmp_path))
    quotes = catalog.quote_ticks(instrument_ids=["BTCUSDT-PERP.BINANCE"])
    assert [str(q.bid_price) for q in quotes] == [str(t.bid) for t in ticks]
    assert [q.ts_init for q in quotes] == [WALL0 + t.mono_ns for t in ticks]
    assert [q.ts_event for q in quotes] == [t.ts_event for t in ticks]
    trades = catalog.trade_ticks(instrument_ids=["BTCUSDT-PERP.BINANCE"])
    assert [str(t.price) for t in trades] == [str(t.last) for t in ticks if t.last is not None]
    assert len({t.trade_id for t in trades}) == len(trades)
    assert {i.id.value for i in catalog.instruments()} == {"BTCUSDT-PERP.BINANCE", "BTCUSDT-PERP.BINGX"}
    assert rec.recorded == {"QuoteTick": 30, "TradeTick": 10}


def test_a_tick_sharing_the_newest_receive_time_waits_so_files_never_overlap(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    clock.advance(5_000_000)
    rec.on_tick(quote(clock, "binance", "100.1", "100.2"))
    rec.flush(rec.take())  # the only tick has the newest receive time: held
    assert rec.recorded["QuoteTick"] == 0
    rec.on_tick(quote(clock, "binance", "100.2", "100.3"))  # same receive time
    clock.advance(1)
    rec.on_tick(quote(clock, "binance", "100.3", "100.4"))
    rec.flush(rec.take())
    rec.flush(rec.take(), final=True)
    quote_dir = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    spans = sorted(iv for f in quote_dir.glob("*.parquet") if (iv := file_interval(f)) is not None)
    assert len(spans) == 2
    assert spans[0][1] < spans[1][0]
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == 3


def test_a_price_finer_than_the_instrument_is_refused_and_counted_never_rounded(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    clock.advance(1)
    rec.on_tick(quote(clock, "bingx", "100.15", "100.2"))
    rec.on_tick(
        NormalizedTick(venue="bingx", asset="ETHUSDT-PERP", bid=Decimal(1), ask=Decimal(2), ts_event=1, mono_ns=1)
    )
    rec.flush(rec.take(), final=True)
    assert rec.refused == {"TooPrecise": 1, "no-instrument": 1}
    assert ParquetDataCatalog(str(tmp_path)).quote_ticks() == []


def test_compaction_bounds_the_files_per_period_and_keeps_every_record(tmp_path: Path) -> None:
    clock = ManualClock(0)
    minute = 60_000_000_000
    rec = recorder(tmp_path, clock, period_ns=10 * minute)
    for i in range(40):  # 40 flushes a minute apart: four 10-minute periods
        clock.advance(minute)
        rec.on_tick(quote(clock, "binance", f"{100 + i}.1", f"{100 + i}.2"))
        clock.advance(1)
        rec.on_tick(quote(clock, "binance", f"{100 + i}.2", f"{100 + i}.3"))
        rec.flush(rec.take())
    rec.flush(rec.take(), final=True)
    quote_dir = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    before = len(list(quote_dir.glob("*.parquet")))
    rec.compact(final=True)
    after = sorted(quote_dir.glob("*.parquet"))
    assert before >= 40
    assert len(after) == 5  # four whole periods and the last flush's
    quotes = ParquetDataCatalog(str(tmp_path)).quote_ticks()
    assert len(quotes) == 80
    assert [q.ts_init for q in quotes] == sorted(q.ts_init for q in quotes)


def test_each_closed_period_is_combined_once_by_a_child_process_and_keeps_every_record(tmp_path: Path) -> None:
    """The recorder's own compaction while it runs: a closed period's files become one per directory (in a child
    process, only when a period has files to combine, not at every look), nothing is lost."""
    clock = ManualClock(0)
    period = 5 * MINUTE
    rec = recorder(tmp_path, clock, period_ns=period)
    flushed_in: Counter[int] = Counter()
    for i in range(16):  # a flush a minute: three closed 5-minute periods, the fourth open
        clock.advance(MINUTE)
        rec.on_tick(quote(clock, "binance", f"{100 + i}.1", f"{100 + i}.2"))
        flushed_in[(WALL0 + clock.monotonic_ns()) // period] += 1
        clock.advance(1)
        rec.flush(rec.take())
        rec.compact()
    now = WALL0 + clock.monotonic_ns()
    quote_dir = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    spans = sorted(iv for f in quote_dir.glob("*.parquet") if (iv := file_interval(f)) is not None)
    closed = [a // period for a, _ in spans if a < now - now % period]
    assert len(set(closed)) == len(closed) >= 3  # one file per closed period
    assert rec.period_compactions == sum(1 for p, n in flushed_in.items() if p < now // period and n > 1)
    rec.flush(rec.take(), final=True)
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == 16


def test_a_failed_period_compaction_is_raised_typed_with_what_the_child_said(tmp_path: Path) -> None:
    """Two files of one closed period that are not Parquet (a disk's damage): NautilusTrader fails in the child."""
    directory = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    directory.mkdir(parents=True)
    for name in (
        "2026-11-30T00-00-00-000000000Z_2026-11-30T00-00-59-000000000Z",
        "2026-11-30T00-01-00-000000000Z_2026-11-30T00-01-59-000000000Z",
    ):
        (directory / f"{name}.parquet").write_bytes(b"not parquet")
    with pytest.raises(CompactionFailed) as raised:
        compact_closed_periods(tmp_path, 5 * MINUTE, WALL0)
    assert raised.value.code != 0 and "Parquet magic bytes not found" in raised.value.detail  # the cause, told
    assert len(list(directory.glob("*.parquet"))) == 2  # nothing swapped in


def test_an_open_period_is_settled_minute_by_minute_on_every_instrument(tmp_path: Path) -> None:
    """5 s flushes through an open hour: each closed minute's files become one per directory (in one batch for
    every instrument), the current minute's stay, and a follower reading along sees every record once, in order."""
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    follower = CatalogFollower(tmp_path, "BINGX")
    followed = []
    price = 100
    for _ in range(3 * 12 + 4):  # three closed minutes and 20 s of the fourth
        clock.advance(5_000_000_000)
        for venue in ("binance", "bingx"):
            price += 1
            rec.on_tick(quote(clock, venue, f"{price}.1", f"{price}.2"))
        clock.advance(1)
        rec.flush(rec.take())
        rec.compact()
        followed.extend(follower.poll())
    now = WALL0 + clock.monotonic_ns()
    for venue in ("BINANCE", "BINGX"):
        files = (tmp_path / "data" / "quote_tick" / f"BTCUSDT-PERP.{venue}").glob("*.parquet")
        spans = sorted(iv for f in files if (iv := file_interval(f)) is not None)
        closed = [a // MINUTE for a, _ in spans if a < now - now % MINUTE]
        assert len(closed) >= 3
        assert len(set(closed)) == len(closed)  # one file per closed minute
        assert len(spans) - len(closed) <= 12  # the open minute's flushes, until it closes
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    rec.flush(rec.take(), final=True)
    followed.extend(follower.poll())
    quotes = ParquetDataCatalog(str(tmp_path)).quote_ticks()
    assert len(quotes) == 80
    bingx = [q.ts_init for q in quotes if q.instrument_id.venue.value == "BINGX"]
    assert [r.ts_init for r in followed] == bingx


def test_repair_removes_what_an_interrupted_compaction_or_write_left(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    for _ in range(3):
        clock.advance(1_000_000)
        rec.on_tick(quote(clock, "binance", "100.1", "100.2"))
        clock.advance(1)
        rec.on_tick(quote(clock, "binance", "100.2", "100.3"))
        rec.flush(rec.take())
    quote_dir = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    originals = sorted(quote_dir.glob("*.parquet"))
    saved = tmp_path.parent / "saved"
    saved.mkdir()
    for f in originals:
        shutil.copy(f, saved / f.name)
    rec.compact(final=True)
    # A crash after the combined file was swapped in but before the originals went: they are back beside it.
    for f in originals:
        shutil.copy(saved / f.name, quote_dir / f.name)
    # ... and a write that died in staging.
    staged = tmp_path / STAGING / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    staged.mkdir(parents=True)
    (staged / "half.parquet").write_bytes(b"PAR1\x00")
    removed = CatalogFiles(tmp_path).repair()
    assert sorted(removed) == [str(f) for f in originals]
    assert not (tmp_path / STAGING).exists()
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == 5  # the held-back sixth was never flushed


def test_reopening_a_catalog_adds_no_second_copy_of_its_instruments(tmp_path: Path) -> None:
    clock = ManualClock(0)
    recorder(tmp_path, clock)
    clock.advance(10_000_000_000)
    recorder(tmp_path, clock)
    assert len(ParquetDataCatalog(str(tmp_path)).instruments()) == 2


def test_a_follower_takes_a_write_only_once_every_file_of_it_is_in_place(tmp_path: Path) -> None:
    """One write makes a quote file and a trade file, renamed one after the other: a follower that lists the catalog
    between the two must not hand out the later trade before the earlier quote."""
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    follower = CatalogFollower(tmp_path, "BINANCE")
    clock.advance(1_000_000)
    rec.on_tick(quote(clock, "binance", "100.1", "100.2"))
    rec.flush(rec.take(), final=True)
    first = follower.poll()
    assert [(r.bid, r.last) for r in first] == [(Decimal("100.1"), None)]

    mark = (tmp_path / COMPLETE_TO).read_text()
    clock.advance(1_000_000)
    rec.on_tick(quote(clock, "binance", "100.3", "100.4"))
    clock.advance(1_000_000)
    rec.on_tick(quote(clock, "binance", "100.5", "100.6", last="100.5"))
    rec.flush(rec.take(), final=True)
    moved = (tmp_path / COMPLETE_TO).read_text()
    assert int(moved) == WALL0 + clock.monotonic_ns()
    (tmp_path / COMPLETE_TO).write_text(mark)  # the moment after the files' renames, before the mark's
    assert follower.poll() == []
    (tmp_path / COMPLETE_TO).write_text(moved)
    second = follower.poll()
    assert [(r.bid, r.last) for r in second] == [
        (Decimal("100.3"), None),
        (Decimal("100.5"), None),
        (None, Decimal("100.5")),
    ]
    assert [r.ts_init for r in second] == sorted(r.ts_init for r in second)
    assert follower.poll() == []


def test_a_follower_that_lists_a_file_a_compaction_then_removes_reads_the_combined_one(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock)
    for i in range(3):
        clock.advance(1_000_000)
        rec.on_tick(quote(clock, "binance", f"10{i}.1", f"10{i}.2", last=f"10{i}.1"))
        rec.flush(rec.take(), final=True)

    class CompactedMidPoll(ParquetDataCatalog):
        """NautilusTrader's catalog, with the recorder's compaction landing between the listing and the read."""

        def query(self, *args: Any, **kwargs: Any) -> Any:
            rec.compact(final=True)
            return super().query(*args, **kwargs)

    racing = CatalogFollower(tmp_path, "BINANCE", open_catalog=CompactedMidPoll)
    assert racing.poll() == []  # nothing handed out from half a listing
    assert racing.retries == 1
    after = racing.poll()
    assert [(r.bid, r.last) for r in after] == [
        (b, last) for i in range(3) for b, last in ((Decimal(f"10{i}.1"), None), (None, Decimal(f"10{i}.1")))
    ]
    assert racing.poll() == []


def test_no_data_file_name_is_interned_by_writing_compacting_or_following(tmp_path: Path) -> None:
    """Python 3.12's pathlib interns each component of a path it parses, and interned strings are immortal: a
    recorder that let a `Path` parse each new file's name kept every name ever written (16 MiB an hour at 50
    symbols). `sys.intern` hands back a fresh copy only if no equal string was interned before."""
    clock = ManualClock(987_654_321_123)  # names no other test makes (a test that lets pathlib parse one interns it)
    rec = recorder(tmp_path, clock)
    follower = CatalogFollower(tmp_path, "BINANCE")
    for i in range(3):
        clock.advance(1_000_000)
        rec.on_tick(quote(clock, "binance", f"10{i}.1", f"10{i}.2", last=f"10{i}.1"))
        rec.flush(rec.take(), final=True)
        assert follower.poll()
    written = [f.name for f in (tmp_path / "data").glob("*_tick/*/*.parquet")]
    rec.compact(final=True)
    assert follower.poll() == []
    written += [f.name for f in (tmp_path / "data").glob("*_tick/*/*.parquet")]
    assert len(set(written)) == 3 + 1  # a quote file and a trade file share a name: three flushes, one compaction
    for name in set(written):
        fresh = "".join(list(name))
        assert sys.intern(fresh) is fresh, name


def test_the_completion_mark_never_moves_back(tmp_path: Path) -> None:
    clock = ManualClock(10_000_000)
    rec = recorder(tmp_path, clock)
    rec.on_tick(quote(clock, "binance", "100.1", "100.2"))
    rec.flush(rec.take(), final=True)
    assert complete_to(tmp_path) == WALL0 + 10_000_000
    rec.files.write([instrument(SPECS[("BINANCE", "BTCUSDT-PERP")], WALL0)])  # an older record, written later
    assert complete_to(tmp_path) == WALL0 + 10_000_000
