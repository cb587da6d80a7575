"""The example reactor, unit-tested through the in-memory adapter (the port's reference implementation)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import anyio
import anyio.abc
import pytest

from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, RawUpdate
from violet.domain import ManualClock, NormalizedTick
from violet.reactor.basis_monitor import BasisMonitor
from violet.reactor.lead_lag import LeadLagEstimator


def tick(mid: float, mono_ns: int) -> NormalizedTick:
    m = Decimal(str(round(mid, 2)))
    return NormalizedTick(venue="x", asset="BTCUSDT-PERP", bid=m, ask=m, ts_event=mono_ns, mono_ns=mono_ns)


def test_lead_lag_finds_the_lag_of_a_delayed_copy() -> None:
    rng = random.Random(3)
    est = LeadLagEstimator(bin_ms=50, max_lag_ms=500, window_bins=400)
    alpha = [68_000.0]
    for _ in range(600):
        alpha.append(alpha[-1] + rng.choice((-5.0, -2.0, 2.0, 5.0)))
    lag_bins = 3  # venue follows alpha 150 ms later
    for i in range(lag_bins, len(alpha)):
        t = i * 50_000_000
        est.on_tick("alpha", tick(alpha[i], t))
        est.on_tick("venue", tick(alpha[i - lag_bins], t + 1))
    result = est.estimate()
    assert result.best_lag_ms == 150
    assert result.best_corr is not None and result.best_corr > 0.9


def test_not_enough_data_is_no_estimate() -> None:
    assert LeadLagEstimator().estimate().best_lag_ms is None


@asynccontextmanager
async def monitored(
    clock: ManualClock,
) -> AsyncIterator[tuple[BasisMonitor, InMemoryVenue, InMemoryVenue, anyio.abc.TaskGroup]]:
    """The example reactor running on two in-memory planes (1 s budgets) of one asset, on `clock`, each plane
    opened with a quote: alpha 100.00, venue 101.00 (a 100 bps basis)."""
    alpha_v, venue_v = InMemoryVenue(("BTCUSDT-PERP",)), InMemoryVenue(("BTCUSDT-PERP",))
    alpha = InMemoryPriceFeed(alpha_v, name="binance", clock=clock, staleness_budget_ns=1_000_000_000)
    venue = InMemoryPriceFeed(venue_v, name="bingx", clock=clock, staleness_budget_ns=1_000_000_000)
    async with alpha, venue, anyio.create_task_group() as tg:
        monitor = BasisMonitor(alpha, venue, clock=clock)
        tg.start_soon(monitor.run)
        await anyio.wait_all_tasks_blocked()  # subscribed
        alpha_v.publish(RawUpdate(asset="BTCUSDT-PERP", bid="100.00", ask="100.00", ts_event=1))
        venue_v.publish(RawUpdate(asset="BTCUSDT-PERP", bid="101.00", ask="101.00", ts_event=2))
        await anyio.wait_all_tasks_blocked()
        yield monitor, alpha_v, venue_v, tg


@pytest.mark.anyio
async def test_basis_and_reaction_path_through_the_port() -> None:
    clock = ManualClock()
    async with monitored(clock) as (monitor, alpha_v, venue_v, tg):
        venue_v.publish(RawUpdate(asset="BTCUSDT-PERP", last="101.50", ts_event=3))
        await anyio.wait_all_tasks_blocked()
        snap = monitor.snapshot()
        row = snap.rows[0]
        assert row.basis_bps == pytest.approx(100.0)
        assert (row.venue.bid, row.venue.last) == (Decimal("101.00"), Decimal("101.50")), "quote and trade both shown"
        assert snap.decisions == 3
        alpha_v.disconnect()
        venue_v.publish(RawUpdate(asset="BTCUSDT-PERP", bid="102.00", ask="102.00", ts_event=4))
        await anyio.wait_all_tasks_blocked()
        assert monitor.snapshot().rows[0].basis_bps is None, "no decision on a stale plane"
        tg.cancel_scope.cancel()


@pytest.mark.anyio
async def test_a_trade_arriving_now_never_makes_an_old_quote_good_for_a_basis() -> None:
    clock = ManualClock()
    async with monitored(clock) as (monitor, alpha_v, venue_v, tg):
        await anyio.wait_all_tasks_blocked()
        shown = monitor.snapshot().rows[0].basis
        assert shown is not None and shown.bps == pytest.approx(100.0) and shown.venue_quote_age_ms == 0
        clock.advance(3_000_000_000)  # the venue's quote is 3 s old when its next trade comes
        venue_v.publish(RawUpdate(asset="BTCUSDT-PERP", last="101.50", ts_event=3))
        alpha_v.publish(RawUpdate(asset="BTCUSDT-PERP", bid="100.10", ask="100.10", ts_event=4))
        await anyio.wait_all_tasks_blocked()
        row = monitor.snapshot().rows[0]
        assert row.venue.trade_fresh and not row.venue.quote_fresh
        assert row.venue.quote_age_ms == 3_000.0
        assert row.basis is None and row.basis_bps is None, "no basis from a quote older than its budget"
        venue_v.publish(RawUpdate(asset="BTCUSDT-PERP", bid="101.20", ask="101.20", ts_event=5))
        await anyio.wait_all_tasks_blocked()
        row = monitor.snapshot().rows[0]
        assert row.basis is not None and row.basis.alpha_quote_age_ms == 0 and row.basis.venue_quote_age_ms == 0
        clock.advance(1_000_000_001)  # nothing new: the shown basis goes when its quotes age past the budget
        assert monitor.snapshot().rows[0].basis is None
        tg.cancel_scope.cancel()


@pytest.mark.anyio
async def test_the_live_view_refreshes_a_bounded_number_of_estimates_a_snapshot_oldest_first() -> None:
    from violet.reactor.basis_monitor import ESTIMATE_EVERY_NS, ESTIMATES_PER_SNAPSHOT, NO_ESTIMATE

    assets = tuple(f"A{i:03d}USDT-PERP" for i in range(100))
    clock = ManualClock()
    alpha = InMemoryPriceFeed(InMemoryVenue(assets), name="alpha", clock=clock)
    venue = InMemoryPriceFeed(InMemoryVenue(assets), name="venue", clock=clock)
    async with alpha, venue:
        monitor = BasisMonitor(alpha, venue, clock=clock)
        for asset in assets:
            q = Decimal("100.0")
            monitor._decide("alpha", NormalizedTick(venue="alpha", asset=asset, bid=q, ask=q, ts_event=1, mono_ns=1))

        def estimates() -> dict[str, object]:
            return {r.asset: r.lead_lag for r in monitor.snapshot().rows if r.lead_lag is not NO_ESTIMATE}

        first = estimates()
        assert len(first) == ESTIMATES_PER_SNAPSHOT, "a snapshot refreshes a bounded number"
        second = estimates()
        assert set(second) == set(assets), "the rest at the next one"
        assert all(second[a] is first[a] for a in first), "an estimate younger than its period is kept"
        clock.advance(ESTIMATE_EVERY_NS)
        third = estimates()
        renewed = {a for a in assets if third[a] is not second[a]}
        assert renewed == set(first), "once due, the oldest are estimated again first"
