"""A slow reactor: a consumer that reads seconds apart, and a reactor that blocks its whole event loop for seconds.

The venue simulator runs in its own process, so it keeps sending while this process is blocked. Afterwards: no
crash, nothing dropped, the slow consumer's backlog conflated and counted, and no price that was already older than
the budget when it was read is served as fresh (the frames the kernel buffered during the block are late).
"""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel
import pytest

from tests.support.sims import sim_process
from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.domain import FeedState

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
BUDGET_NS = 1_000_000_000


def settings(info: dict[str, str]) -> BingxSettings:
    return BingxSettings(
        assets=ASSETS,
        base_url_http=info["http"],
        ws_url=f"{info['ws']}/swap-market",
        subscribe_per_s=50,
        staleness_budget_ns=BUDGET_NS,
    )


async def wait_fresh(feed: BingxPriceFeed) -> None:
    with anyio.fail_after(30):
        while not all(feed.latest(a).fresh for a in ASSETS):
            await anyio.sleep(0.01)


async def test_a_reactor_blocking_its_loop_for_seconds_is_not_served_old_prices_as_fresh() -> None:
    async with sim_process("bingx", rate=400) as info, BingxPriceFeed(settings(info)) as feed:
        await wait_fresh(feed)
        time.sleep(3)  # noqa: ASYNC251 - the point: the reactor blocks the loop (and this adapter) for 3 s
        assert not any(feed.latest(a).fresh for a in ASSETS), "3 s without reading: nothing is fresh"
        # Now the adapter drains what the kernel buffered meanwhile. Every reading taken as it does must be a
        # price younger than the budget by the venue's clock, or not fresh.
        served: list[int] = []
        deadline = anyio.current_time() + 2
        while anyio.current_time() < deadline:
            await anyio.lowlevel.checkpoint()
            now = time.time_ns()
            for a in ASSETS:
                r = feed.latest(a)
                if r.fresh:
                    assert r.tick is not None
                    served.append(now - r.tick.ts_event)
        assert served, "fresh prices resumed after the block"
        skew = settings(info).venue_clock_skew_ns
        assert skew is not None
        limit = BUDGET_NS + skew
        assert max(served) < limit, f"a price {max(served) / 1e6:.0f} ms old by the venue's clock served as fresh"
        assert feed.state is FeedState.LIVE
        assert feed.counters().dropped == 0


async def test_a_consumer_reading_seconds_apart_gets_the_latest_with_the_rest_counted_as_conflated() -> None:
    async with (
        sim_process("bingx", rate=400) as info,
        BingxPriceFeed(settings(info)) as feed,
        feed.subscribe(ASSETS) as stream,
    ):
        await wait_fresh(feed)
        first = await stream.__anext__()
        await anyio.sleep(3)  # a slow consumer; the loop itself runs
        conflated_before = feed.counters().conflated
        woke = time.monotonic_ns()
        drained = []
        with anyio.move_on_after(0.05):
            while True:
                drained.append(await stream.__anext__())
        backlog = [t for t in drained if t.mono_ns <= woke]  # what waited in the mailbox while we slept
        # One pending tick per (asset, kind) lane at most, the newest of each; everything older was conflated.
        assert 0 < len(backlog) <= len(ASSETS) * 2
        assert all(t.mono_ns > first.mono_ns for t in backlog)
        assert conflated_before > 0.5 * 400 * 3 * 0.5, "the ticks the consumer did not read were counted"
        assert feed.counters().dropped == 0
        assert all(feed.latest(a).fresh for a in ASSETS)
