"""`violet record --catalog` on the embedded defaults (both simulators, the alpha plane through a feed process and
shared memory, BingX in-process), read back by NautilusTrader: its catalog, and its backtest engine."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import anyio
import pytest
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from tests.support.waiting import eventually, wait_until
from violet.adapters.history import HistoryPriceFeed
from violet.adapters.history.verdict_check import VerdictAgreement
from violet.api import open_planes
from violet.bench.nt_backtest import run_backtest
from violet.config import PlaneConfig, VioletConfig
from violet.config.schema import HistoryConfig
from violet.domain import format_price
from violet.ports import VenuePriceFeedPort
from violet.recording.catalog_files import STAGING, file_interval
from violet.recording.verdict_log import read_verdicts
from violet.study.read_planes import read_to_the_end

DEFAULT_ASSETS = {"BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"}
VIOLET = [sys.executable, "-m", "violet"]
SHORT_BUDGET_MS = 150
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reactor.py"
RECORD_8S_WITH_VERDICTS = ("--duration", "8", "--flush-s", "1", "--verdicts-every-s", "0.05")


def _quote_files(root: Path) -> list[Path]:
    return sorted((root / "data" / "quote_tick").rglob("*.parquet"))


def _assert_disjoint_files(root: Path) -> None:
    for directory in {f.parent for f in (root / "data").rglob("*.parquet")}:
        spans = sorted(iv for f in directory.glob("*.parquet") if (iv := file_interval(f)) is not None)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), directory


def test_a_killed_recording_leaves_a_readable_catalog_and_a_resumed_one_runs_in_nautilus_backtest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "market"
    proc = subprocess.Popen([*VIOLET, "record", "--catalog", str(root), "--flush-s", "0.5"], stderr=subprocess.DEVNULL)
    try:
        # Killed mid-recording, after a few flushes: whatever it was doing, readers see whole files only.
        wait_until(lambda: len(_quote_files(root)) >= 9, "a few flushes", timeout_s=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed = ParquetDataCatalog(str(root))
    before = len(killed.quote_ticks())
    assert before > 0
    _assert_disjoint_files(root)

    done = subprocess.run(
        [*VIOLET, "record", "--catalog", str(root), "--duration", "3", "--flush-s", "0.5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert '"refused": {}' in done.stdout, done.stdout
    assert not any((root / STAGING).rglob("*.parquet"))
    _assert_disjoint_files(root)

    catalog = ParquetDataCatalog(str(root))
    instruments = catalog.instruments()
    assert {i.id.value for i in instruments} == {f"{a}.{v}" for a in DEFAULT_ASSETS for v in ("BINANCE", "BINGX")}
    quotes, trades = catalog.quote_ticks(), catalog.trade_ticks()
    assert len(quotes) > before
    assert {q.instrument_id.value for q in quotes} == {i.id.value for i in instruments}
    assert all(0 <= q.ts_init - q.ts_event < 5_000_000_000 for q in quotes), "venue time, then violet's receive"
    # Files stay few: the compaction at the end of each recording combines the hour's files per directory.
    assert len(list((root / "data").rglob("*.parquet"))) <= 3 * len(instruments) * 2

    backtest = run_backtest(root)
    assert backtest.instruments == len(instruments)
    assert backtest.seen == backtest.in_catalog == (len(quotes), len(trades)), "the engine ran over all of it"
    assert backtest.crossed == 0

    # The same recording through the port: `open_planes` selects the history adapter from config.
    want = {
        plane: [
            (q.instrument_id.symbol.value, str(q.bid_price), str(q.ask_price), q.ts_event)
            for q in quotes
            if q.instrument_id.venue.value == venue
        ]
        for venue, plane in (("BINANCE", "alpha"), ("BINGX", "venue"))
    }
    replayed = anyio.run(_replay_through_the_port, root, {p: len(w) for p, w in want.items()})
    assert all(want.values())
    assert replayed == want, "every recorded quote of each plane, in receive order, at its recorded price"


async def _replay_through_the_port(root: Path, expected: dict[str, int]) -> dict[str, list[tuple[str, str, str, int]]]:
    cfg = VioletConfig(
        alpha=PlaneConfig(adapter="history", assets=sorted(DEFAULT_ASSETS)),
        venue=PlaneConfig(adapter="history", assets=sorted(DEFAULT_ASSETS)),
        history=HistoryConfig(catalog=str(root), speed=0),
    )
    got: dict[str, list[tuple[str, str, str, int]]] = {"alpha": [], "venue": []}
    async with open_planes(cfg) as planes, anyio.create_task_group() as tg:

        async def read(name: str, feed: VenuePriceFeedPort) -> None:
            async with feed.subscribe(feed.assets()) as stream:
                async for tick in stream:
                    if tick.bid is not None and tick.ask is not None:
                        got[name].append((tick.asset, format_price(tick.bid), format_price(tick.ask), tick.ts_event))

        tg.start_soon(read, "alpha", planes.alpha)
        tg.start_soon(read, "venue", planes.venue)
        await eventually(lambda: all(len(got[p]) >= n for p, n in expected.items()), "every recorded quote", 60)
        tg.cancel_scope.cancel()
    return got


@pytest.mark.parametrize(
    "args",
    [["--catalog", "x", "--plane", "alpha"], ["--plane", "alpha"], ["--out", "f.jsonl.gz"], []],
    ids=["catalog-and-raw", "plane-without-out", "out-without-plane", "nothing"],
)
def test_record_refuses_a_mix_of_its_two_modes(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run([*VIOLET, "record", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert "--catalog DIR, or --plane and --out" in done.stderr


def test_a_replay_answers_with_the_verdicts_live_gave_at_the_same_moments(tmp_path: Path) -> None:
    """Recorded with the live verdicts sampled every 50 ms, replayed as fast as possible: at each sampled moment
    the replayed planes answer `latest()` as live did, but where the recording cannot know better (each counted)."""
    root = tmp_path / "market"
    # The embedded defaults with a budget short enough that quotes go stale and fresh again all the time: the
    # moments where a replay could answer differently are then most of the run, not a few.
    config = tmp_path / "violet.toml"
    config.write_text(
        f'[simulators]\nenabled = true\n[alpha]\nadapter = "remote_shm"\nstaleness_budget_ms = {SHORT_BUDGET_MS}\n'
        f'[venue]\nadapter = "bingx"\nstaleness_budget_ms = {SHORT_BUDGET_MS}\n'
    )
    subprocess.run(
        [*VIOLET, "record", "--catalog", str(root), "--config", str(config), *RECORD_8S_WITH_VERDICTS],
        capture_output=True,
        timeout=120,
        check=True,
    )
    agreements = anyio.run(_replayed_verdicts, root)
    assert set(agreements) == {"alpha", "venue"}
    for plane, a in agreements.items():
        assert a is not None, plane
        assert a.checked >= 2 * len(DEFAULT_ASSETS) * 100, (plane, a)  # ~160 moments, two readings per asset
        assert a.differ == 0, (plane, a.examples)
        assert a.agreed >= 0.9 * a.checked, (plane, a)
    verdicts = Counter(v.quote_freshness for v in read_verdicts(root))
    assert verdicts["fresh"] > 100 and verdicts["too-old"] > 100, verdicts

    # The README's reactor, unchanged, on the recording: a config is all that differs.
    replay = tmp_path / "replay.toml"
    replay.write_text(
        f'[alpha]\nadapter = "history"\nstaleness_budget_ms = {SHORT_BUDGET_MS}\n'
        f'[venue]\nadapter = "history"\nstaleness_budget_ms = {SHORT_BUDGET_MS}\n'
        f'[history]\ncatalog = "{root}"\nspeed = 0\n'
    )
    reactor = subprocess.run(
        [sys.executable, str(EXAMPLE), "--config", str(replay), "--duration", "60"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reactor.returncode == 0, reactor.stderr
    assert {line.split()[0] for line in reactor.stdout.splitlines() if " basis " in line} == DEFAULT_ASSETS


async def _replayed_verdicts(root: Path) -> dict[str, VerdictAgreement | None]:
    cfg = VioletConfig(
        alpha=PlaneConfig(adapter="history", assets=sorted(DEFAULT_ASSETS), staleness_budget_ms=SHORT_BUDGET_MS),
        venue=PlaneConfig(adapter="history", assets=sorted(DEFAULT_ASSETS), staleness_budget_ms=SHORT_BUDGET_MS),
        history=HistoryConfig(catalog=str(root), speed=0),
    )
    async with open_planes(cfg) as planes:
        await read_to_the_end({"alpha": planes.alpha, "venue": planes.venue}, lambda plane, tick: None)
        feeds = {"alpha": planes.alpha, "venue": planes.venue}
        return {p: f.verdict_agreement() for p, f in feeds.items() if isinstance(f, HistoryPriceFeed)}
