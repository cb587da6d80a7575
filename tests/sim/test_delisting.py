"""The fault `delist:BASE`, on both simulators as the venues delist: the contract stays listed in a status other
than trading (Binance SETTLING, BingX status 0), leaves Binance's 24 h ticker, and nothing of it is sent again,
while the other names go on; BingX refuses a new subscription to it."""

from __future__ import annotations

import gzip
import json
from typing import Any

import aiohttp
import anyio
import pytest
from websockets.asyncio.client import connect

from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.faults import Fault, FaultSpecError

pytestmark = pytest.mark.anyio


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return await r.json(content_type=None)


async def test_binance_lists_a_delisted_perpetual_as_settling_and_sends_nothing_more_of_it() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=3, rate_hz=600)) as sim:
        streams = "ethusdt@bookTicker/btcusdt@bookTicker"
        async with connect(f"{sim.ws_url}/public/stream?streams={streams}") as ws:
            await sim.apply_fault(Fault.parse("delist:ETH"))
            # Frames already queued before the fault may still arrive: count only those after a fence of BTC frames.
            seen: list[str] = []
            with anyio.fail_after(10):
                while seen.count("btcusdt@bookTicker") < 200:
                    seen.append(json.loads(await ws.recv())["stream"])
            tail = seen[len(seen) // 2 :]
        info = await get_json(f"{sim.http_url}/fapi/v1/exchangeInfo")
        tickers = await get_json(f"{sim.http_url}/fapi/v1/ticker/24hr")
    assert "ethusdt@bookTicker" not in tail and tail.count("btcusdt@bookTicker") >= 100
    status = {row["symbol"]: row["status"] for row in info["symbols"]}
    assert (status["ETHUSDT"], status["BTCUSDT"]) == ("SETTLING", "TRADING")
    assert "ETHUSDT" not in {row["symbol"] for row in tickers} and "BTCUSDT" in {row["symbol"] for row in tickers}


async def test_bingx_lists_a_delisted_contract_offline_refuses_it_and_sends_nothing_more_of_it() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=3, rate_hz=600, subscribe_per_s=100)) as sim:
        async with connect(f"{sim.ws_url}/swap-market") as ws:
            for i, topic in enumerate(("ETH-USDT@trade", "BTC-USDT@trade")):
                await ws.send(json.dumps({"id": f"s{i}", "reqType": "sub", "dataType": topic}))
            await sim.apply_fault(Fault.parse("delist:ETH"))
            await ws.send(json.dumps({"id": "again", "reqType": "sub", "dataType": "ETH-USDT@bookTicker"}))
            seen: list[str] = []
            refusal = None
            with anyio.fail_after(10):
                while seen.count("BTC-USDT@trade") < 100 or refusal is None:
                    text = gzip.decompress(await ws.recv()).decode()  # type: ignore[arg-type]
                    if text == "Ping":
                        await ws.send("Pong")
                        continue
                    msg = json.loads(text)
                    if msg.get("id") == "again":
                        refusal = msg
                    elif msg.get("dataType"):
                        seen.append(msg["dataType"])
            tail = seen[len(seen) // 2 :]
        contracts = await get_json(f"{sim.http_url}/openApi/swap/v2/quote/contracts?timestamp=1")
    assert refusal["code"] != 0, "a new subscription to a delisted contract is refused"
    assert "ETH-USDT@trade" not in tail
    status = {row["symbol"]: row["status"] for row in contracts["data"]}
    assert (status["ETH-USDT"], status["BTC-USDT"]) == (0, 1)


def test_delist_names_a_base_asset() -> None:
    assert Fault.parse("delist:SOL").channel == "SOL"
    with pytest.raises(FaultSpecError, match="delist:BASE"):
        Fault.parse("delist")


async def test_listing_churn_delists_a_name_then_lists_it_again_in_turn_and_spares_the_most_active() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=6, market=True, rate_hz=100, listing_churn_s=0.1)) as sim:
        url = f"{sim.http_url}/openApi/swap/v2/quote/contracts?timestamp=1"
        offline: list[frozenset[str]] = []
        with anyio.fail_after(10):
            while len({o for o in offline if o}) < 2 or not offline or offline[-1]:
                rows = (await get_json(url))["data"]
                offline.append(frozenset(r["symbol"] for r in rows if r["status"] == 0))
                await anyio.sleep(0.02)
    seen = [o for o in offline if o]
    assert all(len(o) == 1 for o in seen), "one name at a time"
    assert not {"BTC-USDT", "ETH-USDT", "SOL-USDT"} & frozenset().union(*seen), "the most active stay listed"
    assert frozenset() in offline[offline.index(seen[0]) :], "a delisted name is listed again"
