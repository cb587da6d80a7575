"""`violet study lead-lag` over a catalog written by violet's recorder: the replay through `open_planes` (the history
adapter on both planes), the reactor's estimator, the table, JSON, CSV and plot."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from violet.domain import ManualClock, NormalizedTick
from violet.recording.catalog_recorder import CatalogRecorder
from violet.recording.nt_records import InstrumentSpec

WALL0 = 1_796_000_000_000_000_000
ASSETS = {"BTCUSDT-PERP": (68_000.0, 5.0), "ETHUSDT-PERP": (3_000.0, 0.5), "SOLUSDT-PERP": (150.0, 0.05)}
LAG_BINS = 6  # BingX follows Binance 300 ms later, as the simulators' live profile has it
VIOLET = [sys.executable, "-m", "violet"]


def _record(root: Path, steps: int = 600) -> int:
    """Both planes recorded: alpha's mid walks, the venue repeats it LAG_BINS bins later. Returns ticks recorded."""
    clock = ManualClock(0)
    specs = {
        (venue, asset): InstrumentSpec(venue=venue, asset=asset, price_precision=2, size_precision=3)
        for venue in ("BINANCE", "BINGX")
        for asset in ASSETS
    }
    rec = CatalogRecorder(root, specs, clock=clock, wall_ns=lambda: WALL0 + clock.monotonic_ns())
    rec.open()
    rng = random.Random(11)
    walks = {a: [start] for a, (start, _) in ASSETS.items()}
    for asset, (_, step) in ASSETS.items():
        for _ in range(steps):
            walks[asset].append(walks[asset][-1] + rng.choice((-step, step, 0.0)))
    n = 0
    for i in range(LAG_BINS, steps + 1):
        for j, asset in enumerate(ASSETS):
            for venue, mid, offset in (
                ("binance", walks[asset][i], 1_000),
                ("bingx", walks[asset][i - LAG_BINS], 2_000),
            ):
                clock.advance(i * 50_000_000 + 10_000 * j + offset - clock.monotonic_ns())
                m = Decimal(f"{mid:.2f}")
                rec.on_tick(
                    NormalizedTick(
                        venue=venue,
                        asset=asset,
                        bid=m - Decimal("0.01"),
                        ask=m + Decimal("0.01"),
                        ts_event=WALL0 + clock.monotonic_ns() - 1_000_000,
                        mono_ns=clock.monotonic_ns(),
                    )
                )
                n += 1
        if i % 100 == 0:
            rec.flush(rec.take())
    rec.flush(rec.take(), final=True)
    rec.compact(final=True)
    return n


def test_the_study_finds_the_recorded_lag_per_asset_and_pooled(tmp_path: Path) -> None:
    root, out = tmp_path / "market", tmp_path / "study"
    recorded = _record(root)
    done = subprocess.run(
        [*VIOLET, "study", "lead-lag", "--catalog", str(root), "--out", str(out), "--max-lag-ms", "600"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.split()[:1]}
    for name in (*ASSETS, "pooled"):
        assert rows[name][3] == "300", done.stdout  # best lag, ms
    assert "conflated 0" in done.stdout

    summary = json.loads((out / "lead_lag.json").read_text())
    assert summary["ticks"] == {"alpha": recorded // 2, "venue": recorded // 2}, "every recorded tick replayed"
    assert summary["pooled"]["best_lag_ms"] == 300 and summary["pooled"]["best_corr"] > 0.95
    assert summary["replay_ticks_per_s"] > 0
    with (out / "lead_lag.csv").open() as f:
        lags = {(r["name"], int(r["lag_ms"])) for r in csv.DictReader(f)}
    assert {("pooled", -600), ("pooled", 0), ("pooled", 600), ("SOLUSDT-PERP", 300)} <= lags
    assert (out / "lead_lag.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [([], "no catalog here"), (["--assets", "XRPUSDT-PERP"], "not recorded on both planes: XRPUSDT-PERP")],
    ids=["no-catalog", "unknown-asset"],
)
def test_the_study_refuses_what_it_cannot_study(tmp_path: Path, extra: list[str], message: str) -> None:
    root = tmp_path / "market"
    if extra:
        _record(root, steps=20)
    done = subprocess.run(
        [*VIOLET, "study", "lead-lag", "--catalog", str(root), "--out", str(tmp_path / "o"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert message in done.stderr
