"""Third-party Binance clients against the simulator with only their URLs changed."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from violet.sim.binance import BinanceSimConfig, BinanceSimulator

pytestmark = pytest.mark.anyio


def point_ccxt_at(exchange: Any, sim: BinanceSimulator) -> None:
    api = exchange.urls["api"]
    for key, url in list(api.items()):
        if isinstance(url, str) and "fapi.binance.com" in url:
            api[key] = url.replace("https://fapi.binance.com", sim.http_url)
    for key, url in list(api["ws"].items()):
        if isinstance(url, str) and "fstream.binance.com" in url:
            api["ws"][key] = url.replace("wss://fstream.binance.com", sim.ws_url)


async def test_ccxt_binanceusdm_loads_markets_and_watches_quotes_and_trades() -> None:
    import ccxt.pro

    async with BinanceSimulator(BinanceSimConfig(symbols=3, rate_hz=300)) as sim:
        exchange = ccxt.pro.binanceusdm({"enableRateLimit": False})
        point_ccxt_at(exchange, sim)
        try:
            with anyio.fail_after(30):
                markets = await exchange.load_markets()
                bids_asks = await exchange.watch_bids_asks(["BTC/USDT:USDT"])
                trades = await exchange.watch_trades("BTC/USDT:USDT")
        finally:
            await exchange.close()
    assert {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"} <= set(markets)
    quote = bids_asks["BTC/USDT:USDT"]
    assert 0 < quote["bid"] <= quote["ask"]
    assert trades and trades[0]["price"] > 0
    assert sim.rest_calls == ["/fapi/v1/exchangeInfo"]
    # Under the enforced routes: this ccxt release opens linear streams on the legacy root (`/ws`) and asks for
    # public ones only there (bookTicker, trade), so nothing it asked for was silenced.
    assert sim.config.routes == "enforced" and sim.silenced_subscriptions == 0
    assert sum(sim.connects_by_route.values()) >= 1
