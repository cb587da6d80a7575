from __future__ import annotations

import gzip
import json
from pathlib import Path

import anyio
import msgspec
import pytest
from websockets.asyncio.client import connect

from violet.cli.record_command import record
from violet.config import BinanceConfig, BingxConfig, PlaneConfig, VioletConfig
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.replay import read_frames, replay

pytestmark = pytest.mark.anyio


async def test_record_both_planes_then_replay_bingx(tmp_path: Path) -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=300)) as bn,
        BingxSimulator(BingxSimConfig(symbols=2, rate_hz=300)) as bx,
    ):
        cfg = VioletConfig(
            alpha=PlaneConfig(adapter="nt_binance", assets=["BTCUSDT-PERP"]),
            venue=PlaneConfig(adapter="bingx", assets=["BTCUSDT-PERP"]),
            binance=BinanceConfig(http_url=bn.http_url, ws_url=bn.ws_url),
            bingx=BingxConfig(http_url=bx.http_url, ws_url=f"{bx.ws_url}/swap-market"),
        )
        alpha_file, venue_file = tmp_path / "a.jsonl.gz", tmp_path / "v.jsonl.gz"
        assert await record(cfg, "alpha", alpha_file, 1.0) > 10
        assert await record(cfg, "venue", venue_file, 1.5) > 10
    with gzip.open(venue_file, "rt") as fh:
        lines = [json.loads(x) for x in fh]
    assert all(isinstance(x["recv_ns"], int) for x in lines)
    assert {json.loads(x["frame"]).get("dataType") for x in lines} >= {"BTC-USDT@bookTicker"}
    async with (
        BingxSimulator(BingxSimConfig(symbols=2, market=False)) as sim,
        connect(f"{sim.ws_url}/swap-market") as ws,
    ):
        await ws.send(msgspec.json.encode({"id": "1", "reqType": "sub", "dataType": "BTC-USDT@bookTicker"}).decode())
        await ws.recv()  # the ack
        n = await replay(read_frames(venue_file, sim.topic_of), sim.publish_raw, speed=0)
        expected = [x["frame"] for x in lines if json.loads(x["frame"]).get("dataType") == "BTC-USDT@bookTicker"]
        got: list[str] = []
        with anyio.fail_after(10):
            while len(got) < len(expected):
                got.append(gzip.decompress(await ws.recv()).decode())  # type: ignore[arg-type]
    assert n == sum(1 for x in lines if json.loads(x["frame"]).get("dataType")), "acks are not replayed"
    assert got == expected, "replayed byte for byte, in order"
