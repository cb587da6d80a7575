"""A recording's per-stream timing drives a simulator: the inter-arrival quantiles a client sees are the recording's
(within 5 %), while the prices are the simulator's own market."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import statistics
import time
from pathlib import Path

import anyio
import pytest
from websockets.asyncio.client import connect

from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.recorded_cadence import CadenceError, load_cadence

pytestmark = pytest.mark.anyio


def quantiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=4)  # p25, p50, p75


def write_recording(path: Path, gaps_s: list[float]) -> None:
    """A synthetic `violet record` file: BTC quotes at `gaps_s`, and one ETH frame (one frame times nothing)."""
    t = 1_790_000_000_000_000_000
    with gzip.open(path, "wt") as fh:
        for gap in [0.0, *gaps_s]:
            t += int(gap * 1e9)
            frame = {"e": "bookTicker", "u": 1, "s": "BTCUSDT", "b": "1.0", "B": "1", "a": "2.0", "A": "1"}
            fh.write(json.dumps({"recv_ns": t, "frame": json.dumps(frame)}) + "\n")
        fh.write(json.dumps({"recv_ns": t, "frame": json.dumps({**frame, "s": "ETHUSDT"})}) + "\n")


async def test_a_simulator_reproduces_the_recorded_inter_arrival_quantiles(tmp_path: Path) -> None:
    rng = random.Random(7)
    gaps = [min(0.4, max(0.04, rng.lognormvariate(-2.3, 0.6))) for _ in range(50)]  # median ~100 ms
    path = tmp_path / "rec.jsonl.gz"
    write_recording(path, gaps)
    cfg = BinanceSimConfig(symbols=2, profile="live", cadence_from=str(path))
    async with BinanceSimulator(cfg) as sim, connect(f"{sim.ws_url}/public/ws/btcusdt@bookTicker") as ws:
        seen: list[float] = []
        with anyio.fail_after(3 * sum(gaps) + 10):
            while len(seen) < len(gaps) + 1:  # one whole cycle of the recording's gaps
                msg = json.loads(await ws.recv())
                seen.append(time.monotonic())
        assert msg["s"] == "BTCUSDT" and msg["b"] != "1.0", "prices are the simulator's, not the recording's"
    observed = [b - a for a, b in itertools.pairwise(seen)]
    for mine, theirs in zip(quantiles(observed), quantiles(gaps), strict=True):
        assert abs(mine / theirs - 1) < 0.05, (quantiles(observed), quantiles(gaps))


def test_a_recording_with_nothing_to_time_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"recv_ns": 1, "frame": json.dumps({"e": "bookTicker", "s": "BTCUSDT"})}) + "\n")
    sim = BinanceSimulator(BinanceSimConfig(symbols=1))
    with pytest.raises(CadenceError):
        load_cadence(path, sim.topic_of)
