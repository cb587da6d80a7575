"""Silent streams, judged by the hub on an injected clock: a stream of one asset and kind that delivers nothing while
the venue's others flow is counted once per episode, named, and makes that kind's reading `silent-stream`."""

from __future__ import annotations

from decimal import Decimal

from violet.delivery import TickHub
from violet.domain import FeedState, Freshness, ManualClock, NormalizedTick, TickKind

S = 1_000_000_000


def hub_with(clock: ManualClock) -> TickHub:
    hub = TickHub(
        venue="x",
        clock=clock,
        staleness_budget_ns=10 * S,
        assets=("A", "B"),
        silent_after_ns={"quote": 2 * S, "trade": 2 * S},
    )
    hub.open()
    hub.set_state(FeedState.LIVE)
    return hub


def quote(asset: str, clock: ManualClock) -> NormalizedTick:
    return NormalizedTick(
        venue="x",
        asset=asset,
        bid=Decimal(1),
        ask=Decimal(2),
        ts_event=clock.monotonic_ns(),
        mono_ns=clock.monotonic_ns(),
    )


def trade(asset: str, clock: ManualClock) -> NormalizedTick:
    return NormalizedTick(
        venue="x", asset=asset, last=Decimal(1), ts_event=clock.monotonic_ns(), mono_ns=clock.monotonic_ns()
    )


def run_for(hub: TickHub, clock: ManualClock, seconds: int, *ticks: str) -> None:
    """`seconds` of the venue flowing: each second, the named ticks ("A quote", "B trade", ...) and a check."""
    for _ in range(seconds):
        clock.advance(S)
        for spec in ticks:
            asset, kind = spec.split()
            hub.accept(quote(asset, clock) if kind == "quote" else trade(asset, clock))
        hub.check_silence()


def test_a_stream_silent_while_the_others_flow_is_found_once_and_named() -> None:
    clock = ManualClock()
    hub = hub_with(clock)
    run_for(hub, clock, 5, "A quote", "A trade", "B quote")
    assert hub.counters.silent_streams == 1
    assert hub.silent_streams() == ["B trade"]
    reading = hub.latest("B", kind=TickKind.TRADE)
    assert reading.freshness is Freshness.NO_DATA, "never had data: no data, not silent"
    hub.accept(trade("B", clock))
    run_for(hub, clock, 3, "A quote", "A trade", "B quote")
    assert hub.latest("B", kind=TickKind.TRADE).freshness is Freshness.SILENT_STREAM
    assert hub.latest("B", kind=TickKind.QUOTE).fresh, "the other kind of the same asset is untouched"
    assert hub.counters.silent_streams == 2, "a second episode counts again"
    hub.accept(trade("B", clock))
    assert hub.latest("B", kind=TickKind.TRADE).fresh and hub.silent_streams() == []


def test_a_quiet_venue_is_an_outage_not_silent_streams() -> None:
    clock = ManualClock()
    hub = hub_with(clock)
    run_for(hub, clock, 10)  # nothing at all from the venue
    assert hub.counters.silent_streams == 0


def test_a_reconnect_gives_every_stream_its_full_time_again() -> None:
    clock = ManualClock()
    hub = hub_with(clock)
    run_for(hub, clock, 1, "A quote", "A trade", "B quote", "B trade")
    clock.advance(5 * S)
    hub.set_state(FeedState.RECONNECTING)
    hub.set_state(FeedState.LIVE)
    run_for(hub, clock, 1, "A quote", "A trade", "B quote")
    assert hub.counters.silent_streams == 0


def test_a_stream_found_silent_before_a_reconnect_is_judged_afresh_after_it() -> None:
    clock = ManualClock()
    hub = hub_with(clock)
    run_for(hub, clock, 1, "A quote", "A trade", "B quote", "B trade")
    run_for(hub, clock, 3, "A quote", "A trade", "B quote")
    assert hub.silent_streams() == ["B trade"]
    hub.set_state(FeedState.RECONNECTING)
    hub.set_state(FeedState.LIVE)
    assert hub.silent_streams() == [], "a new connection: no stream is silent before its time has passed"
    run_for(hub, clock, 3, "A quote", "A trade", "B quote")
    assert hub.silent_streams() == ["B trade"]
    assert hub.counters.silent_streams == 2, "still silent on the new connection: a new episode"
