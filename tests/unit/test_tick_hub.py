"""TickHub and ConflatingStream on their own: no adapter, no socket, a manual clock and a fixed wall clock."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest

from violet.delivery.tick_hub import TickHub
from violet.domain import FeedClosed, FeedState, Freshness, ManualClock, NormalizedTick, UnknownAsset

pytestmark = pytest.mark.anyio
WALL_NS = 1_800_000_000_000_000_000
BUDGET_NS = 1_000_000_000
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


def hub(*, skew_ns: int | None = 250_000_000, wall_moves: bool = False) -> tuple[TickHub, ManualClock]:
    """`wall_moves`: the wall clock advances with the manual clock (else it stands at WALL_NS)."""
    clock = ManualClock()
    h = TickHub(
        venue="binance",
        clock=clock,
        staleness_budget_ns=BUDGET_NS,
        assets=ASSETS,
        venue_clock_skew_ns=skew_ns,
        wall_ns=(lambda: WALL_NS + clock.monotonic_ns()) if wall_moves else (lambda: WALL_NS),
    )
    h.open()
    h.set_state(FeedState.LIVE)
    return h, clock


def quote(clock: ManualClock, bid: str, ask: str, *, ts: int = WALL_NS, asset: str = "BTCUSDT-PERP") -> NormalizedTick:
    return NormalizedTick(
        venue="binance", asset=asset, bid=Decimal(bid), ask=Decimal(ask), ts_event=ts, mono_ns=clock.monotonic_ns()
    )


def trade(clock: ManualClock, last: str, *, ts: int = WALL_NS, asset: str = "BTCUSDT-PERP") -> NormalizedTick:
    return NormalizedTick(venue="binance", asset=asset, last=Decimal(last), ts_event=ts, mono_ns=clock.monotonic_ns())


def test_latest_ages_on_the_injected_clock_and_honours_the_consumers_budget() -> None:
    h, clock = hub()
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.NO_DATA
    h.accept(quote(clock, "1.0", "1.1"))
    clock.advance(BUDGET_NS)
    assert h.latest("BTCUSDT-PERP").fresh
    assert h.latest("BTCUSDT-PERP", budget_ns=BUDGET_NS - 1).freshness is Freshness.TOO_OLD
    clock.advance(1)
    reading = h.latest("BTCUSDT-PERP")
    assert (reading.freshness, reading.age_ns) == (Freshness.TOO_OLD, BUDGET_NS + 1)
    with pytest.raises(UnknownAsset):
        h.latest("NOPE-PERP")


def test_a_tick_that_arrived_late_is_stale_by_the_venues_clock_before_its_own_age_says_so() -> None:
    h, clock = hub(wall_moves=True)
    # Stamped 0.9 s before it arrived: within the budget and the skew allowance (1.25 s), so accepted and fresh.
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS + clock.monotonic_ns() - 900_000_000))
    assert h.latest("BTCUSDT-PERP").fresh
    clock.advance(400_000_000)
    # 0.4 s since it arrived (young by our clock), 1.3 s since the venue stamped it: older than budget + skew.
    reading = h.latest("BTCUSDT-PERP")
    assert (reading.freshness, reading.age_ns) == (Freshness.TOO_OLD, 400_000_000)


def test_a_tick_old_by_the_venues_clock_is_refused_on_arrival_as_late() -> None:
    h, clock = hub()
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS - BUDGET_NS - 250_000_001))
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.NO_DATA
    assert h.counters.rejected_by_reason == {"late-event": 1}


def test_an_outage_makes_what_came_before_it_never_fresh_again() -> None:
    h, clock = hub()
    h.accept(quote(clock, "1.0", "1.1"))
    h.set_state(FeedState.RECONNECTING)
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.FEED_DOWN
    h.set_state(FeedState.LIVE)
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.BEFORE_OUTAGE
    h.accept(quote(clock, "1.0", "1.2", ts=WALL_NS + 1))
    assert h.latest("BTCUSDT-PERP").fresh
    assert h.snapshot_counters().reconnects == 1


def test_an_older_frame_and_an_exact_repeat_are_refused_per_asset_and_kind() -> None:
    h, clock = hub()
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS))
    h.accept(trade(clock, "1.05", ts=WALL_NS - 1))  # another kind: its own order
    h.accept(quote(clock, "0.9", "1.0", ts=WALL_NS - 1))  # older than the newest quote
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS))  # the same update again
    h.accept(quote(clock, "1.0", "1.2", ts=WALL_NS))  # same millisecond, other prices: an update
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS, asset="ETHUSDT-PERP"))  # another asset
    assert h.counters.rejected_by_reason == {"out-of-order": 1, "duplicate": 1}
    assert h.counters.received == 4
    latest = h.latest("BTCUSDT-PERP").tick
    assert latest is not None and latest.ask == Decimal("1.2")


async def test_a_stream_keeps_one_pending_tick_per_asset_and_kind_in_order() -> None:
    h, clock = hub(skew_ns=None)
    async with h.subscription(ASSETS) as stream:
        for i in range(5):
            h.accept(quote(clock, f"1.{i}", "2.0", ts=WALL_NS + i))
        h.accept(trade(clock, "1.5", ts=WALL_NS + 10))
        h.accept(quote(clock, "3.0", "3.1", ts=WALL_NS + 11, asset="ETHUSDT-PERP"))
        with anyio.fail_after(1):
            got = [await stream.__anext__() for _ in range(3)]
        assert [(t.asset, t.kind.value, t.ts_event - WALL_NS) for t in got] == [
            ("BTCUSDT-PERP", "quote", 4),
            ("BTCUSDT-PERP", "trade", 10),
            ("ETHUSDT-PERP", "quote", 11),
        ]
        assert stream.conflated_by_asset() == {"BTCUSDT-PERP": 4}
        assert h.snapshot_counters().conflated == 4
        assert h.snapshot_counters().delivered == 3


async def test_a_waiting_reader_is_woken_by_a_push_and_ends_when_the_hub_closes() -> None:
    h, clock = hub(skew_ns=None)
    got = []
    async with h.subscription(["BTCUSDT-PERP"]) as stream, anyio.create_task_group() as tg:

        async def read() -> None:
            got.extend([t async for t in stream])

        tg.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        h.accept(quote(clock, "1.0", "1.1"))
        await anyio.wait_all_tasks_blocked()
        h.close()
    assert [t.bid for t in got] == [Decimal("1.0")]
    assert stream.closed
    with pytest.raises(FeedClosed):
        async with h.subscription(["BTCUSDT-PERP"]):
            pass


async def test_a_reader_that_always_has_data_pending_can_still_be_cancelled() -> None:
    h, clock = hub(skew_ns=None)
    reads = 0
    async with h.subscription(["BTCUSDT-PERP"]) as stream:
        h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS))
        with anyio.CancelScope() as scope:
            scope.cancel()
            # Each read is answered by a new tick, so the stream never has to wait (and so never yields on its own).
            async for _ in stream:
                reads += 1
                if reads == 1000:
                    break
                h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS + reads))
    assert scope.cancelled_caught and reads == 0


async def test_a_subscription_to_an_unknown_asset_is_a_typed_error() -> None:
    h, _ = hub()
    with pytest.raises(UnknownAsset):
        async with h.subscription(["NOPE-PERP"]):
            pass
