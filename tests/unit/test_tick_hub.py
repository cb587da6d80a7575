"""TickHub and ConflatingStream on their own: no adapter, no socket, a manual clock and a fixed wall clock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio
import pytest

from violet.delivery import streams_of
from violet.delivery.tick_hub import TickHub
from violet.domain import FeedClosed, FeedState, Freshness, ManualClock, NormalizedTick, TickKind, UnknownAsset

pytestmark = pytest.mark.anyio
WALL_NS = 1_800_000_000_000_000_000
BUDGET_NS = 1_000_000_000
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


@pytest.fixture(
    params=[pytest.param(("asyncio", {"use_uvloop": True}), id="asyncio"), pytest.param(("trio", {}), id="trio")]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """The hub and its streams are written for anyio: they hold on trio as on asyncio (the stream's fast path is an
    asyncio future, its other path an anyio.Event)."""
    return request.param  # type: ignore[no-any-return]


def hub(*, skew_ns: int | None = 250_000_000, wall_moves: bool = False) -> tuple[TickHub, ManualClock]:
    """`wall_moves`: the wall clock advances with the manual clock (else it stands at WALL_NS)."""
    clock = ManualClock()
    h = bare_hub(
        clock,
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


def test_a_tick_the_venue_sent_before_its_stream_came_back_gets_no_skew_allowance() -> None:
    """A backlog read after a stall: the venue stamped it while nothing reached us, and may have sent newer values
    still unread. Judged by the venue's clock against the budget alone; ticks sent after the recovery keep the skew
    allowance, and so does every stream that had no outage."""
    clock = ManualClock()
    h = bare_hub(clock, venue_clock_skew_ns=250_000_000, wall_ns=lambda: WALL_NS + clock.monotonic_ns())
    h.open()
    h.carry("a", streams_of(["BTCUSDT-PERP"]))
    h.carry("b", streams_of(["ETHUSDT-PERP"]))
    h.carrier_up("a")
    h.carrier_up("b")
    clock.advance(5_000_000_000)
    h.carrier_down("a")
    clock.advance(3_000_000_000)  # a stalled for 3 s
    h.carrier_up("a")
    back = WALL_NS + clock.monotonic_ns()
    clock.advance(50_000_000)  # the backlog is read 50 ms after the carrier is back
    sent_in_the_stall = back - 1_100_000_000
    h.accept(quote(clock, "1.0", "1.1", ts=sent_in_the_stall))
    h.accept(quote(clock, "2.0", "2.1", ts=sent_in_the_stall, asset="ETHUSDT-PERP"))
    reading = h.latest("BTCUSDT-PERP")
    assert reading.freshness is Freshness.TOO_OLD and reading.age_ns == 0, "received just now, but sent 1.15 s ago"
    assert h.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).freshness is Freshness.TOO_OLD
    assert h.latest("ETHUSDT-PERP").fresh, "no outage on its carrier: within budget + skew by the venue's clock"
    clock.advance(2_000_000_000)
    sent_after_the_recovery = WALL_NS + clock.monotonic_ns() - 1_100_000_000
    assert sent_after_the_recovery > back
    h.accept(quote(clock, "1.4", "1.5", ts=sent_after_the_recovery))
    assert h.latest("BTCUSDT-PERP").fresh, "sent after the recovery: the skew allowance applies again"


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


async def test_ending_the_streams_delivers_what_is_pending_then_stops_readers_old_and_new() -> None:
    """A finished recording: unlike `close`, nothing pending is dropped, and the hub still answers `latest`."""
    h, clock = hub(skew_ns=None)
    got = []
    async with h.subscription(["BTCUSDT-PERP", "ETHUSDT-PERP"]) as stream, anyio.create_task_group() as tg:
        h.accept(quote(clock, "1.0", "1.1"))
        h.accept(quote(clock, "2.0", "2.1", asset="ETHUSDT-PERP"))
        h.end_streams()

        async def read() -> None:
            got.extend([t async for t in stream])

        tg.start_soon(read)
    assert [t.bid for t in got] == [Decimal("1.0"), Decimal("2.0")]
    assert h.latest("BTCUSDT-PERP").fresh
    async with h.subscription(["BTCUSDT-PERP"]) as later:
        assert [t async for t in later] == []


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


async def test_a_second_task_reading_one_stream_gets_a_clear_error_at_once() -> None:
    h, clock = hub(skew_ns=None)
    async with h.subscription(["BTCUSDT-PERP"]) as stream, anyio.create_task_group() as tg:
        got: list[NormalizedTick] = []

        async def first() -> None:
            got.append(await stream.__anext__())

        tg.start_soon(first)
        await anyio.wait_all_tasks_blocked()
        with anyio.fail_after(1), pytest.raises(anyio.BusyResourceError, match="subscribe once per reading task"):
            await stream.__anext__()
        h.accept(quote(clock, "1.0", "1.1"))
    assert [t.bid for t in got] == [Decimal("1.0")], "the first reader still gets its tick"


async def test_a_tap_that_raises_never_stops_delivery_and_is_counted() -> None:
    h, clock = hub(skew_ns=None)

    def broken(tick: NormalizedTick) -> None:
        raise ValueError("observer bug")

    seen: list[NormalizedTick] = []
    with h.tap(broken), h.tap(seen.append), h.tap_delivery(broken):
        async with h.subscription(["BTCUSDT-PERP"]) as stream:
            h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS))
            h.accept(quote(clock, "1.2", "1.3", ts=WALL_NS + 1))
            with anyio.fail_after(1):
                tick = await stream.__anext__()
    assert tick.bid == Decimal("1.2"), "delivered despite both taps raising"
    assert [t.bid for t in seen] == [Decimal("1.0"), Decimal("1.2")], "the taps after a broken one still run"
    assert h.latest("BTCUSDT-PERP").fresh
    assert h.snapshot_counters().tap_errors == 3


def test_an_assets_own_budget_longer_than_the_silence_threshold_is_what_decides_it() -> None:
    clock = ManualClock()
    h = bare_hub(
        clock,
        asset_budgets_ns={"ETHUSDT-PERP": 60 * BUDGET_NS},
        silent_after_ns={"quote": 30 * BUDGET_NS, "trade": 30 * BUDGET_NS},
    )
    h.open()
    h.set_state(FeedState.LIVE)
    h.accept(quote(clock, "3.0", "3.1", asset="ETHUSDT-PERP"))
    for second in range(1, 50):  # BTC keeps flowing; ETH is quiet for 49 s, inside its own 60 s budget
        clock.advance(BUDGET_NS)
        h.accept(quote(clock, "1.0", f"1.{second}", ts=WALL_NS + second, asset="BTCUSDT-PERP"))
        h.check_silence()
    reading = h.latest("ETHUSDT-PERP", kind=TickKind.QUOTE)
    assert reading.freshness is Freshness.FRESH, "its configured budget, not the default silence threshold"
    clock.advance(12 * BUDGET_NS)
    h.accept(quote(clock, "1.0", "2.0", ts=WALL_NS + 100, asset="BTCUSDT-PERP"))
    h.check_silence()
    assert h.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).freshness is Freshness.SILENT_STREAM


def bare_hub(clock: ManualClock, **kw: Any) -> TickHub:
    """A hub with this module's venue, budget and assets unless `kw` says otherwise; no state set, not opened."""
    return TickHub(**{"venue": "binance", "clock": clock, "staleness_budget_ns": BUDGET_NS, "assets": ASSETS, **kw})


def state_of(h: TickHub) -> FeedState:
    """The hub's state now (a call, so a type checker does not carry an earlier assertion's narrowing over)."""
    return h.state


def carried_hub() -> tuple[TickHub, ManualClock]:
    """Two carriers: `a` carries BTC's quotes and trades, `b` ETH's quotes and SOL's trades (SOL's quotes: nothing)."""
    clock = ManualClock()
    h = bare_hub(clock, venue="bingx", assets=(*ASSETS, "SOLUSDT-PERP"))
    h.open()
    h.carry("a", streams_of(["BTCUSDT-PERP"]))
    h.carry("b", [("ETHUSDT-PERP", TickKind.QUOTE), ("ETHUSDT-PERP", TickKind.TRADE), ("SOLUSDT-PERP", TickKind.TRADE)])
    return h, clock


def test_a_carriers_outage_darkens_its_own_streams_only_and_the_plane_says_how_much_works() -> None:
    h, clock = carried_hub()
    assert state_of(h) is FeedState.CONNECTING
    h.carrier_up("a")
    assert state_of(h) is FeedState.CONNECTING, "until every carrier has been up once"
    h.carrier_up("b")
    assert state_of(h) is FeedState.DEGRADED, "every carrier up, but SOL's quotes have none"
    assert h.assets_down() == ["SOLUSDT-PERP"]
    h.carry("b", streams_of(["ETHUSDT-PERP", "SOLUSDT-PERP"]))
    assert state_of(h) is FeedState.LIVE and h.assets_down() == []
    for asset in ("BTCUSDT-PERP", "ETHUSDT-PERP"):
        h.accept(quote(clock, "1.0", "1.1", asset=asset))
    h.carrier_down("b")
    assert state_of(h) is FeedState.DEGRADED
    assert h.latest("BTCUSDT-PERP").fresh, "another carrier's outage never withholds a price"
    assert h.latest("ETHUSDT-PERP").freshness is Freshness.FEED_DOWN
    assert h.assets_down() == ["ETHUSDT-PERP", "SOLUSDT-PERP"]
    counters = h.snapshot_counters()
    assert (counters.reconnects, counters.carrier_outages, counters.assets_down) == (0, 1, 2)
    h.carrier_up("b")
    assert state_of(h) is FeedState.LIVE
    assert h.latest("ETHUSDT-PERP").freshness is Freshness.BEFORE_OUTAGE, "from before its own carrier's outage"
    assert h.latest("BTCUSDT-PERP").fresh
    h.carrier_down("a")
    h.carrier_down("b")
    assert state_of(h) is FeedState.RECONNECTING and h.snapshot_counters().reconnects == 1


def test_a_stream_carried_twice_stays_up_while_either_carrier_is() -> None:
    clock = ManualClock()
    h = bare_hub(clock, assets=["BTCUSDT-PERP"])
    h.carry("old", streams_of(["BTCUSDT-PERP"]))
    h.carry("new", streams_of(["BTCUSDT-PERP"]))
    h.carrier_up("old")
    h.carrier_up("new")
    h.accept(quote(clock, "1.0", "1.1"))
    h.carrier_down("old")
    assert h.latest("BTCUSDT-PERP").fresh, "still carried by the other connection"
    h.carrier_down("new")
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.FEED_DOWN


def test_a_trade_route_down_leaves_the_quote_fresh_and_the_newest_of_either_judged_by_its_own_kind() -> None:
    clock = ManualClock()
    h = bare_hub(clock, assets=["BTCUSDT-PERP"])
    h.carry("public", [("BTCUSDT-PERP", TickKind.QUOTE)])
    h.carry("market", [("BTCUSDT-PERP", TickKind.TRADE)])
    h.carrier_up("public")
    h.carrier_up("market")
    h.accept(trade(clock, "1.05"))
    h.accept(quote(clock, "1.0", "1.1"))
    h.carrier_down("market")
    assert h.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).fresh
    assert h.latest("BTCUSDT-PERP", kind=TickKind.TRADE).freshness is Freshness.FEED_DOWN
    assert h.latest("BTCUSDT-PERP").fresh, "the newest of either is the quote, on a carrier that is up"


def test_a_silent_stream_is_not_called_silent_while_its_carrier_is_down_and_gets_its_time_back() -> None:
    clock = ManualClock()
    h = bare_hub(clock, venue="bingx", silent_after_ns={"quote": 5 * BUDGET_NS, "trade": 5 * BUDGET_NS})
    h.open()
    h.carry("a", [("BTCUSDT-PERP", TickKind.QUOTE)])
    h.carry("b", [("ETHUSDT-PERP", TickKind.QUOTE)])
    h.carrier_up("a")
    h.carrier_up("b")
    h.carrier_down("b")
    for step in range(10):  # BTC flows for 10 s while ETH's carrier is down
        clock.advance(BUDGET_NS)
        h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS + step))
        h.check_silence()
    assert h.silent_streams() == [], "an outage is not a silence"
    h.carrier_up("b")
    clock.advance(4 * BUDGET_NS)
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS + 100))
    h.check_silence()
    assert h.silent_streams() == [], "back from its outage, it gets its full time to speak"
    clock.advance(2 * BUDGET_NS)
    h.accept(quote(clock, "1.0", "1.1", ts=WALL_NS + 101))
    h.check_silence()
    assert h.silent_streams() == ["ETHUSDT-PERP quote"]


def test_a_carrier_gone_for_good_no_longer_holds_the_plane_and_its_streams_are_down() -> None:
    h, clock = carried_hub()
    h.carrier_up("a")
    h.carrier_up("b")
    h.carry("b", streams_of(["ETHUSDT-PERP", "SOLUSDT-PERP"]))
    h.accept(quote(clock, "1.0", "1.1", asset="ETHUSDT-PERP"))
    h.carrier_down("b")
    assert state_of(h) is FeedState.DEGRADED
    h.forget_carrier("b")
    assert h.latest("ETHUSDT-PERP").freshness is Freshness.FEED_DOWN, "nothing carries it now"
    h.carry("c", streams_of(["ETHUSDT-PERP", "SOLUSDT-PERP"]))
    h.carrier_up("c")
    assert state_of(h) is FeedState.LIVE, "the forgotten carrier no longer counts"
    assert h.snapshot_counters().carrier_outages == 1, "forgetting is not an outage"


def test_a_delisted_asset_reads_delisted_never_degrades_the_plane_and_comes_back_when_listed_again() -> None:
    h, clock = carried_hub()
    h.carrier_up("a")
    h.carrier_up("b")
    assert state_of(h) is FeedState.DEGRADED and h.assets_down() == ["SOLUSDT-PERP"], "SOL's quotes: no carrier"
    h.accept(quote(clock, "1.0", "1.1", asset="ETHUSDT-PERP"))
    h.set_delisted(["SOLUSDT-PERP", "ETHUSDT-PERP", "NOTSERVED-PERP"])
    assert h.delisted == {"SOLUSDT-PERP", "ETHUSDT-PERP"}, "only served assets"
    assert state_of(h) is FeedState.LIVE and h.assets_down() == [], "what the venue lists no more is not down"
    eth = h.latest("ETHUSDT-PERP")
    assert eth.freshness is Freshness.DELISTED and eth.tick is not None, "its last price, never served as fresh"
    assert h.latest("SOLUSDT-PERP").freshness is Freshness.DELISTED, "delisted before it ever had data"
    assert h.latest("BTCUSDT-PERP").freshness is Freshness.NO_DATA
    h.accept(quote(clock, "1.2", "1.3", asset="ETHUSDT-PERP"))
    assert h.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).freshness is Freshness.DELISTED, "whatever still arrives"
    h.set_delisted(["SOLUSDT-PERP"])
    assert h.latest("ETHUSDT-PERP").fresh, "listed again: fresh by its own age"
    assert state_of(h) is FeedState.LIVE


def test_a_carrier_added_while_the_plane_serves_is_one_more_down_never_a_plane_connecting_again() -> None:
    clock = ManualClock()
    h = bare_hub(clock, venue="bingx", assets=["BTCUSDT-PERP"])
    h.open()
    h.carry("a", streams_of(["BTCUSDT-PERP"]))
    h.carrier_up("a")
    h.accept(quote(clock, "1.0", "1.1"))
    assert state_of(h) is FeedState.LIVE
    h.set_assets(["BTCUSDT-PERP", "SOLUSDT-PERP"])
    h.carry("b", streams_of(["SOLUSDT-PERP"]), added=True)
    assert state_of(h) is FeedState.DEGRADED, "a new listing's socket connecting is not the plane connecting"
    assert h.latest("BTCUSDT-PERP").fresh, "the other carriers' prices keep their verdicts"
    assert h.assets_down() == ["SOLUSDT-PERP"]
    h.carrier_up("b")
    assert state_of(h) is FeedState.LIVE
    h.carry("c", streams_of(["ETHUSDT-PERP"]))
    assert state_of(h) is FeedState.CONNECTING, "without `added`, a new carrier is waited for as at the start"
