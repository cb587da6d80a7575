"""The Binance simulator's route categories as the live venue enforces them since 2026-04-23 (PROTOCOL.md section 9),
seen by an independent client (websockets): a stream on a route that does not serve it is acked, listed, and silent.

Silence is shown with a fence: one market event yields its frames for every stream in a fixed order, so the frame
of a served stream that the same event (or a later one) produced proves an unserved stream's frame was not sent."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect

from violet.sim.binance import BinanceSimConfig, BinanceSimulator

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[BinanceSimulator]:
    async with BinanceSimulator(BinanceSimConfig(symbols=2, market=False)) as s:
        yield s


async def recv(ws: ClientConnection) -> Any:
    with anyio.fail_after(5):
        return json.loads(await ws.recv())


async def subscribe(ws: ClientConnection, streams: list[str], req_id: int = 1) -> None:
    await ws.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": req_id}))
    assert await recv(ws) == {"result": None, "id": req_id}, "acknowledged like any SUBSCRIBE"


def now_ms() -> int:
    return int(time.time() * 1000)


async def kinds_until_fence(sim: BinanceSimulator, ws: ClientConnection, fence_kind: str) -> list[str]:
    """Publish a trade, a mark and then a quote; the frame kinds received up to the fence's kind."""
    sim.publish(sim.market.trade("BTC", now_ms()))
    sim.publish(sim.market.mark("BTC", now_ms()))
    sim.publish(sim.market.quote("BTC", now_ms()))
    seen: list[str] = []
    while True:
        frame = await recv(ws)
        payload = frame["data"] if "stream" in frame else frame  # combined streams wrap the payload
        seen.append(payload["e"])
        if payload["e"] == fence_kind:
            return seen


ALL = ["btcusdt@bookTicker", "btcusdt@trade", "btcusdt@aggTrade", "btcusdt@markPrice@1s"]


async def test_public_route_serves_public_streams_and_silences_market_ones(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/public/ws") as ws:
        await subscribe(ws, ALL)
        assert await kinds_until_fence(sim, ws, "bookTicker") == ["trade", "bookTicker"]
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        assert (await recv(ws))["result"] == sorted(ALL), "silenced streams are still listed"
    assert sim.silenced_subscriptions == 2


async def test_market_route_serves_market_streams_and_silences_public_ones(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/market/ws") as ws:
        await subscribe(ws, ALL)
        # The quote after the mark would be the fence on a public route; here the next trade is.
        got = await kinds_until_fence(sim, ws, "markPriceUpdate")
        sim.publish(sim.market.quote("BTC", now_ms()))
        sim.publish(sim.market.trade("BTC", now_ms()))
        got += [(await recv(ws))["e"]]
        assert got == ["aggTrade", "markPriceUpdate", "aggTrade"]


@pytest.mark.parametrize("path", ["/ws", "/stream"])
async def test_legacy_root_serves_public_streams_only(sim: BinanceSimulator, path: str) -> None:
    async with connect(f"{sim.ws_url}{path}") as ws:
        await subscribe(ws, ALL)
        assert await kinds_until_fence(sim, ws, "bookTicker") == ["trade", "bookTicker"]


async def test_streams_named_in_the_url_follow_the_same_rule(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/ws/btcusdt@aggTrade/btcusdt@bookTicker") as ws:
        with anyio.fail_after(5):
            while not sim.connections:
                await anyio.sleep(0.005)
        assert await kinds_until_fence(sim, ws, "bookTicker") == ["bookTicker"]


async def test_lenient_routes_serve_everything_everywhere() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=1, market=False, routes="lenient")) as sim,
        connect(f"{sim.ws_url}/ws") as ws,
    ):
        await subscribe(ws, ALL)
        assert await kinds_until_fence(sim, ws, "bookTicker") == ["trade", "aggTrade", "markPriceUpdate", "bookTicker"]
        assert sim.silenced_subscriptions == 0
