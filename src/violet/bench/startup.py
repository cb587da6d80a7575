"""Throughput of the simulators alone, and how long the NT adapter takes from start to every asset's quote."""

from __future__ import annotations

import gc
import time
from typing import Any

import anyio

from violet.bench.clients import raw_binance, raw_bingx
from violet.bench.records import Record
from violet.bench.sim_process import settle, sim_get, sim_post, start_sim, stop_sim
from violet.ports import AssetCoverage


async def sim_throughput(*, venue: str, symbols: int, rate: float, duration: float) -> dict[str, Any]:
    """Can the simulator sustain `rate` msgs/s to one raw client? Delivered rate and schedule slip."""
    sim = await start_sim(venue, symbols=symbols, rate=rate, tls=False)
    try:
        got: list[Record] = []
        client = raw_binance if venue == "binance" else raw_bingx
        assets = list(sim.info["symbols"])
        async with anyio.create_task_group() as tg:
            tg.start_soon(client, sim, assets, float("inf"), got)
            await settle(sim, 2 * len(assets))
            start, t0 = len(got), time.monotonic()
            await anyio.sleep(duration)
            received, elapsed = len(got) - start, time.monotonic() - t0
            sends = await sim_post(sim, "/__sim/sendlog")
            stats = await sim_get(sim, "/__sim/stats")
            tg.cancel_scope.cancel()
        return {
            "venue": venue,
            "target_rate": rate,
            "sent_rate": len(sends) / elapsed,
            "received_rate": received / elapsed,
            "behind": stats["behind"],
            "max_lag_ms": stats["max_lag_ms"],
        }
    finally:
        gc.unfreeze()
        await stop_sim(sim)


async def first_tick_nt(*, symbols: int) -> dict[str, Any]:
    """Seconds from entering the NT adapter (exchangeInfo, node build, batched subscriptions) to its first tick,
    to a quote on every asset, and to every stream acknowledged by the venue; 20 msgs/s per symbol, so the figure
    is bounded by subscription, not by a quiet symbol."""
    from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings

    sim = await start_sim("binance", symbols=symbols, rate=symbols * 20.0, tls=False)
    try:
        assets = list(sim.info["symbols"])
        settings = NtBinanceSettings(assets=tuple(assets), base_url_http=sim.info["http"], base_url_ws=sim.info["ws"])
        t0 = time.monotonic()
        first = every = acked = None
        seen: set[str] = set()
        feed = NtBinancePriceFeed(settings)
        async with feed, feed.subscribe(assets) as stream:
            entered = time.monotonic() - t0
            with anyio.fail_after(120):
                async for tick in stream:
                    now = time.monotonic() - t0
                    first = first or now
                    if acked is None and isinstance(feed, AssetCoverage) and not feed.unconfirmed_assets():
                        acked = now
                    if tick.bid is not None:
                        seen.add(tick.asset)
                    if every is None and len(seen) == len(assets):
                        every = now
                    if every is not None and acked is not None:
                        break
        return {
            "symbols": symbols,
            "rate_hz": symbols * 20.0,
            "entered_s": entered,
            "first_tick_s": first,
            "every_asset_quote_s": every,
            "every_stream_acked_s": acked,
        }
    finally:
        await stop_sim(sim)
