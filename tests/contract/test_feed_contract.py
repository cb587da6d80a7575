"""The one contract every `VenuePriceFeedPort` adapter passes, against its real far side."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contract.collector import collecting, fence, newest_by_key
from tests.contract.harness import BAD_QUOTES, Defect, FeedHarness, VenueUpdate, order_key
from tests.contract.strategies import UpdateShape, defect_lists, price_text, realize, shape_lists, shapes
from violet.domain import (
    DomainError,
    FeedState,
    Freshness,
    NormalizedTick,
    TickKind,
    UnknownAsset,
    format_price,
    parse_price,
)
from violet.ports import PlaneHealth, TickTap

pytestmark = pytest.mark.anyio


def split_finals(updates: list[VenueUpdate]) -> tuple[list[VenueUpdate], list[VenueUpdate]]:
    """Everything but each asset's last update, and those last updates (used as the fence)."""
    last_index = {u.asset: i for i, u in enumerate(updates)}
    finals_idx = set(last_index.values())
    body = [u for i, u in enumerate(updates) if i not in finals_idx]
    finals = [updates[i] for i in sorted(finals_idx)]
    return body, finals


def assert_normalized(tick: NormalizedTick, update: VenueUpdate, harness: FeedHarness) -> None:
    assert tick.venue == harness.feed.venue
    assert tick.asset == update.asset
    for name in ("bid", "ask", "last"):
        sent = getattr(update, name)
        got = getattr(tick, name)
        assert (None if got is None else format_price(got)) == sent, (name, got, sent)


async def publish_all(harness: FeedHarness, updates: list[VenueUpdate]) -> dict[int, VenueUpdate]:
    sent: dict[int, VenueUpdate] = {}
    for update in updates:
        sent[await harness.publish(update)] = update
    return sent


async def _ensure_live(harness: FeedHarness) -> None:
    if harness.feed.state is not FeedState.LIVE:
        await harness.reconnect()


async def live_batch(harness: FeedHarness, batch: list[UpdateShape]) -> tuple[list[VenueUpdate], list[VenueUpdate]]:
    """The feed live, and the batch's updates split into the body and each asset's final update (the fence)."""
    await _ensure_live(harness)
    return split_finals([realize(harness, s) for s in batch])


@given(batch=shape_lists(), drain=st.booleans())
async def test_every_publication_is_delivered_or_counted_and_the_newest_arrives_in_order(
    harness: FeedHarness, batch: list[UpdateShape], drain: bool
) -> None:
    body, finals = await live_batch(harness, batch)
    async with harness.feed.subscribe(harness.assets) as stream, collecting(stream, start=drain) as (col, tg):
        sent = await publish_all(harness, body)
        if not drain:
            await tg.start(col.run)  # a consumer that was blocked while everything was published
        stamps = await fence(harness, col, finals)
        sent.update(stamps)
        conflated = stream.conflated_by_asset()

    published = Counter(u.asset for u in sent.values())
    delivered = Counter(t.asset for t in col.ticks)
    for asset, count in published.items():
        assert delivered[asset] + conflated.get(asset, 0) == count, asset
    for key, newest in newest_by_key(harness, stamps).items():
        mine = [t for t in col.ticks if order_key(harness.capabilities, t.asset, t.kind) == key]
        assert [t.ts_event for t in mine] == sorted({t.ts_event for t in mine}), "per-asset order kept"
        assert mine[-1].ts_event == newest, "the newest value always arrives"
    for tick in col.ticks:
        assert_normalized(tick, sent[tick.ts_event], harness)
    if drain and harness.capabilities.lossless_when_drained:
        assert sum(conflated.values()) == 0, "a lossless adapter conflates nothing for a reader that keeps up"


@given(final_shape=shapes(), bad=defect_lists())
async def test_invalid_venue_data_never_reaches_the_stream_and_is_counted(
    harness: FeedHarness, final_shape: UpdateShape, bad: list[Defect]
) -> None:
    await _ensure_live(harness)
    final = realize(harness, final_shape)
    asset = final.asset
    before = harness.feed.counters()
    async with harness.feed.subscribe([asset]) as stream, collecting(stream) as (col, _):
        bad_stamps = {await harness.publish_invalid(asset, d) for d in bad}
        await fence(harness, col, [final])
    assert not bad_stamps & {t.ts_event for t in col.ticks}
    assert all(t.bid is None or t.ask is None or t.bid <= t.ask for t in col.ticks)
    assert harness.feed.latest(asset).tick == col.ticks[-1]
    seen = [d for d in bad if d in harness.capabilities.invalid_seen_by_violet]
    assert harness.feed.counters().rejected - before.rejected == len(seen), "every invalid value violet sees is counted"


@given(batch=shape_lists(), fraction=st.floats(min_value=0.0, max_value=1.0))
async def test_latest_is_the_newest_tick_and_stale_past_the_budget(
    harness: FeedHarness, batch: list[UpdateShape], fraction: float
) -> None:
    body, finals = await live_batch(harness, batch)
    async with harness.feed.subscribe(harness.assets) as stream, collecting(stream) as (col, _):
        sent_wall = time.time_ns()
        await publish_all(harness, body)
        stamps = await fence(harness, col, finals)
        read_wall = time.time_ns()
    budget = harness.feed.staleness_budget_ns
    arrival_age: dict[str, int] = {}
    for update in finals:
        reading = harness.feed.latest(update.asset)
        assert reading.tick is not None and reading.age_ns is not None
        assert reading.tick == col.by_asset(update.asset)[-1]
        assert_normalized(reading.tick, stamps[reading.tick.ts_event], harness)
        assert reading.fresh and reading.budget_ns == budget
        # Its age at arrival: 0 where violet received it from the venue; behind a bridge, the real time it spent in
        # the feed process and the bridge (counted as age, on the wall clock, which the harness does not drive): no
        # more than the real time between sending it and reading it back, however loaded the machine.
        if harness.capabilities.transit_is_age:
            assert 0 <= reading.age_ns <= read_wall - sent_wall, (reading.age_ns, read_wall - sent_wall)
        else:
            assert reading.age_ns == 0
        arrival_age[update.asset] = reading.age_ns
    headroom = budget - max(arrival_age.values())
    extra = int(headroom * fraction)
    harness.clock.advance(extra)
    for update in finals:
        age = arrival_age[update.asset] + extra
        assert harness.feed.latest(update.asset).fresh, "within the budget is fresh"
        tighter = harness.feed.latest(update.asset, budget_ns=age - 1 if age else 0)
        assert tighter.age_ns == age
        if age:
            assert tighter.freshness is Freshness.TOO_OLD, "one nanosecond under its age is too old"
    harness.clock.advance(headroom - extra + 1)
    for update in finals:
        reading = harness.feed.latest(update.asset)
        age = arrival_age[update.asset] + headroom + 1
        assert reading.age_ns == age
        if age > budget:
            assert not reading.fresh and reading.freshness is Freshness.TOO_OLD
        assert harness.feed.latest(update.asset, budget_ns=age).fresh, "the consumer's own budget"
    harness.clock.advance(budget)
    assert not any(harness.feed.latest(u.asset).fresh for u in finals), "past the budget is never fresh"


@given(batch=shape_lists(), later=shapes())
async def test_a_tap_sees_every_accepted_tick_in_order_and_nothing_once_closed(
    harness: FeedHarness, batch: list[UpdateShape], later: UpdateShape
) -> None:
    """The per-tick callback a latency-bound reactor decides in (docs/reactor.md): every tick a stream delivers,
    and those a slow stream conflated, in venue order, normalized as the stream's; a tap that raises costs its
    caller nothing (counted); a closed tap is never called again."""
    feed = harness.feed
    assert isinstance(feed, TickTap), "every adapter offers the per-tick callback"
    body, finals = await live_batch(harness, batch)
    tapped: list[NormalizedTick] = []

    def broken(tick: NormalizedTick) -> None:
        raise RuntimeError("a reactor's bug")

    errors = feed.counters().tap_errors
    async with feed.subscribe(harness.assets) as stream, collecting(stream) as (col, _):
        with feed.tap(broken), feed.tap(tapped.append):
            sent = await publish_all(harness, body)
            sent.update(await fence(harness, col, finals))
        closed_at, delivered_while_tapped = len(tapped), list(col.ticks)
        await fence(harness, col, [realize(harness, later)])
    assert len(tapped) == closed_at, "nothing reaches a closed tap"
    assert feed.counters().tap_errors - errors == closed_at, "each tick the broken tap refused is counted"
    assert set(delivered_while_tapped) <= set(tapped), "every tick delivered was tapped first"
    for tick in tapped:
        assert_normalized(tick, sent[tick.ts_event], harness)
    for asset in harness.assets:
        mine = [t for t in tapped if t.asset == asset]
        for kind in {order_key(harness.capabilities, asset, t.kind) for t in mine}:
            stamps = [t.ts_event for t in mine if order_key(harness.capabilities, asset, t.kind) == kind]
            assert stamps == sorted(set(stamps)), "each stream's ticks once, in venue order"


@given(batch=shape_lists(min_size=3, max_size=10))
async def test_unsubscribe_stops_delivery(harness: FeedHarness, batch: list[UpdateShape]) -> None:
    await _ensure_live(harness)
    asset = harness.assets[batch[0].asset_index % len(harness.assets)]
    updates = [realize(harness, s, asset) for s in batch]
    before, after = updates[:-1], updates[-1]
    async with harness.feed.subscribe([asset]) as keeper, collecting(keeper) as (kept, _):
        async with harness.feed.subscribe([asset]) as leaver, collecting(leaver) as (left, _):
            await fence(harness, left, before[-1:])
        count_at_close = len(left.ticks)
        await publish_all(harness, before[:-1])
        await fence(harness, kept, [after])
        assert len(left.ticks) == count_at_close, "nothing arrives after unsubscribe"
        assert [t async for t in leaver] == []


async def test_unknown_asset_is_a_typed_error_at_subscribe(harness: FeedHarness) -> None:
    with pytest.raises(UnknownAsset):
        async with harness.feed.subscribe(["NOPE-PERP"]):
            pass
    with pytest.raises(UnknownAsset):
        harness.feed.latest("NOPE-PERP")


# Each example is a whole outage and recovery of the real stack (a feed process's: ~3 s); what varies between
# examples is only the data around it, and the state machines drive outages among other steps too: 5 examples.
@settings(max_examples=5)
@given(pair=shape_lists(min_size=2, max_size=2))
async def test_outage_makes_every_price_stale_until_fresh_data_arrives(
    disconnectable: FeedHarness, pair: list[UpdateShape]
) -> None:
    harness = disconnectable
    await _ensure_live(harness)
    first = realize(harness, pair[0])
    asset = first.asset
    second = realize(harness, pair[1], asset)
    reconnects = harness.feed.counters().reconnects
    async with harness.feed.subscribe([asset]) as stream, collecting(stream) as (col, _):
        await fence(harness, col, [first])
        assert harness.feed.latest(asset).fresh
        await harness.disconnect()
        assert harness.feed.state is not FeedState.LIVE
        assert harness.feed.latest(asset).freshness is Freshness.FEED_DOWN
        await harness.reconnect()
        assert harness.feed.counters().reconnects == reconnects + 1
        assert harness.feed.latest(asset).freshness is Freshness.BEFORE_OUTAGE
        stamps = await fence(harness, col, [second])
        reading = harness.feed.latest(asset)
        assert reading.fresh
        assert reading.tick is not None
        assert_normalized(reading.tick, stamps[reading.tick.ts_event], harness)


@pytest.mark.parametrize("defect", list(Defect), ids=[d.value for d in Defect])
def test_defects_cover_the_invalid_price_families(defect: Defect) -> None:
    """Every defect the venue harnesses publish is one violet's domain refuses (so counting it means something)."""
    bid, ask = BAD_QUOTES[defect]
    with pytest.raises(DomainError):
        NormalizedTick(
            venue="binance",
            asset="BTCUSDT-PERP",
            bid=parse_price(bid, "bid"),
            ask=None if ask is None else parse_price(ask, "ask"),
            ts_event=1,
            mono_ns=1,
        )


@given(shape=shapes(), quote_first=st.booleans())
async def test_a_trade_never_makes_a_quote_fresh_nor_a_quote_a_trade(
    harness: FeedHarness, shape: UpdateShape, quote_first: bool
) -> None:
    if not {TickKind.QUOTE, TickKind.TRADE} <= harness.capabilities.kinds:
        pytest.skip("this adapter's venue sends quotes and trades together")
    await _ensure_live(harness)
    asset = harness.assets[shape.asset_index % len(harness.assets)]
    decimals = harness.price_decimals(asset)
    bid, ask = price_text(shape.bid_mantissa, decimals), price_text(shape.bid_mantissa + shape.spread, decimals)
    quote = VenueUpdate(asset=asset, bid=bid, ask=ask)
    trade = VenueUpdate(asset=asset, last=price_text(shape.last_mantissa, decimals))
    first, second = (quote, trade) if quote_first else (trade, quote)
    first_kind, second_kind = (TickKind.QUOTE, TickKind.TRADE) if quote_first else (TickKind.TRADE, TickKind.QUOTE)
    feed = harness.feed
    budget = feed.staleness_budget_ns
    timeout = harness.capabilities.fence_timeout_s
    async with feed.subscribe([asset]) as stream, collecting(stream) as (col, _):
        # Each update waited for alone: a fence's extra update of the other kind would refresh what must age.
        await col.wait_for([(asset, await harness.publish(first))], timeout)
        harness.clock.advance(budget + 1)
        await col.wait_for([(asset, await harness.publish(second))], timeout)
    older, newer = feed.latest(asset, kind=first_kind), feed.latest(asset, kind=second_kind)
    assert newer.fresh and newer.tick is not None and newer.tick == col.ticks[-1]
    assert older.freshness is Freshness.TOO_OLD, f"the {first_kind.value} aged on its own"
    assert older.tick is not None and older.age_ns is not None and older.age_ns > budget
    assert feed.latest(asset).tick == newer.tick, "without a kind: the newest of either"


def one_of_each(harness: FeedHarness, streams: Iterable[tuple[str, TickKind]], mantissa: int) -> list[VenueUpdate]:
    """One valid update per (asset, kind) stream."""
    out = []
    for asset, kind in sorted(streams, key=lambda s: (s[0], s[1].value)):
        price = price_text(mantissa, harness.price_decimals(asset))
        out.append(
            VenueUpdate(asset=asset, last=price)
            if kind is TickKind.TRADE
            else VenueUpdate(asset=asset, bid=price, ask=price)
        )
    return out


@settings(max_examples=3)
@given(carrier=st.integers(min_value=0, max_value=63), mantissa=st.integers(min_value=1, max_value=10**6))
async def test_a_fault_on_one_carrier_leaves_every_asset_on_the_others_fresh_and_its_own_come_back(
    partial: FeedHarness, carrier: int, mantissa: int
) -> None:
    harness, feed = partial, partial.feed
    await _ensure_live(harness)
    every: set[tuple[str, TickKind]] = {
        (a, k) for a in harness.assets for k in harness.capabilities.kinds if k is not TickKind.QUOTE_AND_TRADE
    }
    async with feed.subscribe(harness.assets) as stream, collecting(stream) as (col, _):  # every stream has a price
        await col.wait_for(
            [(u.asset, await harness.publish(u)) for u in one_of_each(harness, every, mantissa + 2)],
            harness.capabilities.fence_timeout_s,
        )
    down = await harness.break_carrier(carrier)
    assert down and down < every, "one carrier carries some streams, not all"
    try:
        assert feed.state is FeedState.DEGRADED
        async with feed.subscribe(harness.assets) as stream, collecting(stream) as (col, _):
            await col.wait_for(
                [(u.asset, await harness.publish(u)) for u in one_of_each(harness, every - down, mantissa)],
                harness.capabilities.fence_timeout_s,
            )
        for asset, kind in every - down:
            assert feed.latest(asset, kind=kind).fresh, f"{asset} {kind.value}: a healthy carrier's price withheld"
        for asset, kind in down:
            assert feed.latest(asset, kind=kind).freshness is Freshness.FEED_DOWN, (asset, kind)
        assert isinstance(feed, PlaneHealth)
        assert feed.assets_down() == sorted({a for a, _ in down})
    finally:
        await harness.heal_carriers()
    async with feed.subscribe(harness.assets) as stream, collecting(stream) as (col, _):
        await col.wait_for(
            [(u.asset, await harness.publish(u)) for u in one_of_each(harness, down, mantissa + 1)],
            harness.capabilities.fence_timeout_s,
        )
    for asset, kind in down:  # heal_carriers returned once the feed was live again
        assert feed.latest(asset, kind=kind).fresh, (asset, kind, feed.latest(asset, kind=kind).freshness)
    assert feed.assets_down() == []
