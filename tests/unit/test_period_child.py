"""A closed period's child beside the recorder's flushes: nothing waits for it, nothing is lost or doubled, and it
never outlives the recorder."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import anyio
import pytest
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from tests.support.catalog_ticks import MINUTE, WALL0, quote, recorder
from violet.domain import ManualClock
from violet.recording.catalog_files import file_interval
from violet.recording.catalog_recorder import CatalogRecorder

PERIOD = 5 * MINUTE  # WALL0 is 200 s into one: periods close at clock 100 s, 400 s, ...
SECOND = 1_000_000_000


def _flushes(rec: CatalogRecorder, clock: ManualClock, until_s: int, prices: itertools.count[int]) -> int:
    """A flush every 20 s to clock `until_s`, each with two ticks per venue (the later one carried to the next)."""
    ticks = 0
    while clock.monotonic_ns() + 20 * SECOND <= until_s * SECOND:
        clock.advance(20 * SECOND)
        for venue in ("binance", "bingx"):
            for _ in range(2):
                p = next(prices)
                rec.on_tick(quote(clock, venue, f"{p}.1", f"{p}.2"))
                clock.advance(1)
                ticks += 1
        rec.flush(rec.take())
    return ticks


def _spans(root: Path) -> dict[str, list[tuple[int, int]]]:
    out = {}
    for directory in (root / "data" / "quote_tick").iterdir():
        out[directory.name] = sorted(iv for f in directory.glob("*.parquet") if (iv := file_interval(f)) is not None)
    return out


@pytest.mark.anyio
async def test_flushes_go_on_while_a_closed_periods_child_runs_and_nothing_is_lost_or_doubled(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock, period_ns=PERIOD)
    prices = itertools.count(100)
    sent = _flushes(rec, clock, 420, prices)  # two periods closed at 400 s, each in several files; 420 s is open
    before = _spans(tmp_path)
    async with anyio.create_task_group() as background:
        await rec.compaction_step(background)
        assert rec.compacting_closed  # the step returned with its child started, not done
        assert _spans(tmp_path) == before  # its minute compaction left the closed periods' files to the child
        await rec.compact_closed(rec.closed_periods_due(), background)  # due again, but one child at a time
        sent += await anyio.to_thread.run_sync(_flushes, rec, clock, 540, prices)  # beside the child, as live
    assert not rec.compacting_closed
    assert rec.period_compactions == 1
    rec.flush(rec.take(), final=True)
    for spans in _spans(tmp_path).values():
        closed = [a // PERIOD for a, _ in spans if a < WALL0 + 400 * SECOND]
        assert len(closed) == len(set(closed)) == 2  # one file per closed period
        assert len(spans) > 2  # the open period's flushes, beside them
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # no interval overlaps another
    quotes = ParquetDataCatalog(str(tmp_path)).quote_ticks()
    assert len(quotes) == sent
    assert Counter(q.bid_price.as_double() for q in quotes) == Counter(float(f"{p}.1") for p in range(100, 100 + sent))


@pytest.mark.anyio
async def test_a_recording_cancelled_while_its_child_runs_ends_with_every_record_once(tmp_path: Path) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock, period_ns=PERIOD)
    sent = _flushes(rec, clock, 380, itertools.count(100))
    clock.advance(40 * SECOND)
    async with anyio.create_task_group() as background:
        await rec.compaction_step(background)
        background.cancel_scope.cancel()  # the recording ends: its child is killed, wherever it was
    assert not rec.compacting_closed
    rec.flush(rec.take(), final=True)
    rec.compact(final=True)
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == sent
    assert all(len(spans) == 2 for spans in _spans(tmp_path).values())  # one per period (two closed, one open)


@pytest.mark.anyio
async def test_a_failed_child_is_counted_and_the_recording_goes_on_trying_again_only_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock, period_ns=PERIOD)
    prices = itertools.count(100)
    sent = _flushes(rec, clock, 380, prices)
    damaged = (
        tmp_path
        / "data"
        / "quote_tick"
        / "BTCUSDT-PERP.BINANCE"
        / (
            "2026-11-30T00-53-21-000000000Z_2026-11-30T00-53-22-000000000Z.parquet"  # before every flush, same period
        )
    )
    damaged.write_bytes(b"not parquet")
    clock.advance(40 * SECOND)
    async with anyio.create_task_group() as background:
        await rec.compaction_step(background)
    assert rec.summary()["period_compaction_failures"] == 1
    assert "Parquet magic bytes not found" in caplog.text  # the child's own words
    assert not rec.compacting_closed
    assert rec.closed_periods_due() is not None
    assert rec.settle_minutes() is None  # a closed period is still due, but not tried again every minute
    sent += _flushes(rec, clock, 480, prices)  # the recording goes on
    rec.flush(rec.take(), final=True)
    damaged.unlink()
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == sent  # the failed child lost nothing


def test_the_final_compaction_removes_the_originals_a_killed_child_left_beside_its_combined_file(
    tmp_path: Path,
) -> None:
    clock = ManualClock(0)
    rec = recorder(tmp_path, clock, period_ns=PERIOD)
    sent = _flushes(rec, clock, 380, itertools.count(100))
    quote_dir = tmp_path / "data" / "quote_tick" / "BTCUSDT-PERP.BINANCE"
    saved = tmp_path.parent / "originals"
    shutil.copytree(quote_dir, saved)
    clock.advance(40 * SECOND)
    rec.compact()  # the child combines both closed periods ...
    shutil.copytree(saved, quote_dir, dirs_exist_ok=True)  # ... and is killed before its originals go
    rec.flush(rec.take(), final=True)
    rec.compact(final=True)
    assert sorted(rec.summary()["repaired_on_close"]) == sorted(str(quote_dir / f.name) for f in saved.iterdir())
    assert len(ParquetDataCatalog(str(tmp_path)).quote_ticks()) == sent


SUBREAPER = """
    import ctypes, os, signal, subprocess, sys, time
    pr_set_child_subreaper = 36
    ctypes.CDLL(None).prctl(pr_set_child_subreaper, 1)  # the orphaned child is reparented to this process
    recorder = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
    children = f"/proc/{recorder.pid}/task/{recorder.pid}/children"
    deadline = time.monotonic() + 60
    while not (found := open(children).read().split()):
        assert time.monotonic() < deadline, "the recorder started no child"
        time.sleep(0.001)
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.wait()
    _, status = os.waitpid(int(found[0]), 0)
    print(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_closed_periods_child_dies_with_a_killed_recorder(tmp_path: Path) -> None:
    """An orphaned child would go on combining files that the next recording's repair and child are also handling.
    It is killed by the signal the kernel sends when its recorder dies, or exits at once if that came first."""
    recorder_code = (
        "from pathlib import Path; from violet.recording.period_compaction import compact_closed_periods; "
        f"compact_closed_periods(Path({str(tmp_path)!r}), {PERIOD}, {WALL0})"
    )
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SUBREAPER), recorder_code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert int(done.stdout.split()[-1]) in (-9, 3)  # SIGKILL, or the exit for a recorder already gone
