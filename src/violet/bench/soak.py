"""Soak and recovery benches: RSS per million ticks and sustained ticks/s through one consumer, per adapter; time
from the venue coming back to a fresh tick on every subscribed asset.

RSS is sampled after a warm-up (so allocator and interpreter caches are already grown) and at the end; growth is
reported per million ticks delivered. Ticks are driven as fast as the far side sends them: the simulator at the
requested rate in its own process, the shared-memory writer in its own process, the in-memory publisher in-process.
"""

from __future__ import annotations

import multiprocessing
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
import psutil

from violet import defaults as d
from violet.bench.sim_process import SimProcess, sim_fault, start_sim, stop_sim
from violet.domain import FeedState, VioletError
from violet.ports import RejectionReasons, TickStream, VenuePriceFeedPort

SOAK_ADAPTERS = ("in_memory", "bingx", "remote_shm")


def _shm_writer(bridge: str, assets: list[str], rate: float, ready: Any, stop: Any) -> None:
    from violet.bridges.record import quote_now
    from violet.bridges.shm_table import ShmTableWriter

    writer = ShmTableWriter(bridge, assets)
    writer.heartbeat()
    ready.set()
    interval, start, n = 1.0 / rate, time.perf_counter(), 0
    try:
        while not stop.is_set():
            due = start + n * interval
            if (now := time.perf_counter()) < due:
                time.sleep(due - now)
            writer.write(quote_now(assets[n % len(assets)], f"{60000 + n % 100}.1", f"{60000 + n % 100}.2"))
            writer.progressed()  # playing a live feed: its writes are its heartbeat
            writer.wake()
            n += 1
    finally:
        writer.close()


@asynccontextmanager
async def _source(
    adapter: str, *, symbols: int, rate: float, quote_source: d.BingxQuoteSource
) -> AsyncIterator[VenuePriceFeedPort]:
    if adapter == "in_memory":
        from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, SyntheticMarket

        assets = tuple(f"A{i:02d}USDT-PERP" for i in range(symbols))
        venue = InMemoryVenue(assets)
        market = SyntheticMarket(venue, rate_hz=rate, seed=1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(market.run)
            yield InMemoryPriceFeed(venue, name="binance")
            tg.cancel_scope.cancel()
    elif adapter == "bingx":
        from violet.adapters.bingx import BingxPriceFeed, BingxSettings

        sim = await start_sim("bingx", symbols=symbols, rate=rate, tls=False)
        try:
            settings = BingxSettings(
                assets=tuple(sim.info["symbols"]),
                base_url_http=sim.info["http"],
                ws_url=f"{sim.info['ws']}/swap-market",
                subscribe_per_s=9.0,
                quote_source=quote_source,
            )
            yield BingxPriceFeed(settings)
        finally:
            await stop_sim(sim)
    elif adapter == "remote_shm":
        from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings

        bridge = f"soak{secrets.token_hex(3)}"
        names = [f"A{i:02d}USDT-PERP" for i in range(symbols)]
        ctx = multiprocessing.get_context("spawn")
        ready, stop = ctx.Event(), ctx.Event()
        proc = ctx.Process(target=_shm_writer, args=(bridge, names, rate, ready, stop))
        proc.start()
        try:
            await anyio.to_thread.run_sync(ready.wait, 30)
            yield RemoteShmPriceFeed(RemoteShmSettings(bridge=bridge, venue="binance", assets=tuple(names)))
        finally:
            stop.set()
            await anyio.to_thread.run_sync(proc.join, 10)
    else:
        raise ValueError(f"soak: unknown adapter {adapter!r}; known: {SOAK_ADAPTERS}")


async def _take(stream: TickStream, count: int) -> int:
    n = 0
    async for _ in stream:
        n += 1
        if n >= count:
            break
    return n


class SoakStalled(VioletError, RuntimeError):
    """The soak's source stopped delivering: a bench reports it rather than waiting forever."""


async def soak(
    adapter: str,
    *,
    ticks: int,
    symbols: int,
    rate: float,
    quote_source: d.BingxQuoteSource = d.BINGX_QUOTE_SOURCE,
    warmup_ticks: int = 20_000,
    stall_s: float = 60.0,
) -> dict[str, Any]:
    """RSS and CPU over `ticks` through one consumer, after a warm-up of as many (at most `warmup_ticks`).
    `quote_source`: the BingX adapter's."""
    me = psutil.Process()
    async with _source(adapter, symbols=symbols, rate=rate, quote_source=quote_source) as feed, feed:
        assets = sorted(feed.assets())
        async with feed.subscribe(assets) as stream:

            async def take(count: int) -> int:
                limit_s = stall_s + count / rate * 20
                with anyio.move_on_after(limit_s):
                    return await _take(stream, count)
                raise SoakStalled(
                    f"soak {adapter}: fewer than {count} ticks in {limit_s:.0f} s; "
                    f"feed {feed.state.value}, {feed.counters()}"
                )

            await take(min(warmup_ticks, ticks))
            rss0, cpu0, t0 = me.memory_info().rss, sum(me.cpu_times()[:2]), time.monotonic()
            n = await take(ticks)
            rss1, cpu1, t1 = me.memory_info().rss, sum(me.cpu_times()[:2]), time.monotonic()
            counters = feed.counters()
            reasons = feed.rejected_by_reason() if isinstance(feed, RejectionReasons) else {}
    return {
        "adapter": adapter,
        "ticks": n,
        "seconds": t1 - t0,
        "ticks_per_s": n / (t1 - t0),
        "cpu_s": cpu1 - cpu0,
        "rss_start_mib": rss0 / 2**20,
        "rss_growth_mib_per_million": (rss1 - rss0) / 2**20 / (n / 1e6),
        "conflated": counters.conflated,
        "dropped": counters.dropped,
        "rejected": counters.rejected,
        "rejected_by_reason": reasons,
        **({"quote_source": quote_source} if adapter == "bingx" else {}),
    }


def _feed_for(venue: str, sim: SimProcess, topics_per_socket: int | None) -> tuple[VenuePriceFeedPort, int | None]:
    """The adapter under test, and its topics per socket (BingX only)."""
    assets = tuple(sim.info["symbols"])
    if venue == "binance":
        from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings

        return NtBinancePriceFeed(
            NtBinanceSettings(assets=assets, base_url_http=sim.info["http"], base_url_ws=sim.info["ws"])
        ), None
    from violet.adapters.bingx import BingxPriceFeed, BingxSettings

    settings = BingxSettings(assets=assets, base_url_http=sim.info["http"], ws_url=f"{sim.info['ws']}/swap-market")
    if topics_per_socket is not None:
        settings = attrs.evolve(settings, topics_per_socket=topics_per_socket)
    return BingxPriceFeed(settings), settings.topics_per_socket


class _QuoteArrivals:
    """The first quote of every asset received after `mark_ns`, read from a subscription to all of them."""

    def __init__(self, assets: tuple[str, ...]) -> None:
        self.assets = set(assets)
        self.mark_ns = 0
        self._seen: set[str] = set()
        self._all = anyio.Event()

    def arm(self) -> anyio.Event:
        self.mark_ns = time.monotonic_ns()
        self._seen = set()
        self._all = anyio.Event()
        return self._all

    async def run(self, stream: TickStream) -> None:
        async for tick in stream:
            if tick.bid is not None and tick.mono_ns > self.mark_ns and tick.asset not in self._seen:
                self._seen.add(tick.asset)
                if self._seen == self.assets:
                    self._all.set()


async def reconnect_to_fresh(
    *, venue: str, symbols: int, repeats: int, topics_per_socket: int | None
) -> dict[str, Any]:
    """The venue closes every socket (1011) and is back at once: seconds until every asset has a quote received
    after the close, and until the feed is live again."""
    rate = max(500.0, symbols * 40.0) if venue == "bingx" else symbols * 20.0
    sim: SimProcess = await start_sim(venue, symbols=symbols, rate=rate, tls=False)
    times: list[float] = []
    live_times: list[float] = []
    try:
        assets = tuple(sim.info["symbols"])
        feed, per_socket = _feed_for(venue, sim, topics_per_socket)
        arrivals = _QuoteArrivals(assets)
        async with feed, feed.subscribe(assets) as stream, anyio.create_task_group() as tg:
            tg.start_soon(arrivals.run, stream)
            for _ in range(repeats):
                with anyio.fail_after(120):
                    await arrivals.arm().wait()
                await anyio.sleep(1.0)
                every_quote = arrivals.arm()
                closed_at = time.monotonic()
                await sim_fault(sim, "close:1011")
                with anyio.fail_after(10):
                    while _live(feed):  # noqa: ASYNC110 - polling the port
                        await anyio.sleep(0.001)
                with anyio.fail_after(120):
                    while not _live(feed):  # noqa: ASYNC110 - polling the port
                        await anyio.sleep(0.001)
                live_times.append(time.monotonic() - closed_at)
                with anyio.fail_after(120):
                    await every_quote.wait()
                times.append(time.monotonic() - closed_at)
            tg.cancel_scope.cancel()
    finally:
        await stop_sim(sim)
    times.sort()
    live_times.sort()
    return {
        "venue": venue,
        "symbols": symbols,
        "rate_hz": rate,
        "topics_per_socket": per_socket,
        "repeats": repeats,
        "median_s": times[len(times) // 2],
        "max_s": times[-1],
        "runs_s": times,
        "live_again_median_s": live_times[len(live_times) // 2],
    }


def _live(feed: VenuePriceFeedPort) -> bool:
    return feed.state is FeedState.LIVE
