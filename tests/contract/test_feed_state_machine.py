"""The stateful half of the contract: random subscribe / publish / unsubscribe / disconnect / reconnect /
advance-time programs, checked step by step against a small model.

Hypothesis rules cannot be async, so the machine runs in a worker thread and calls into the test's event
loop (where the adapter lives, next to NautilusTrader when it is in-process) with `anyio.from_thread.run`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.contract.collector import fence_updates, newest_by_key
from tests.contract.harness import Defect, FeedHarness, VenueUpdate, order_key
from tests.contract.strategies import UpdateShape, realize, shapes
from violet.domain import FeedState, Freshness, NormalizedTick, format_price
from violet.ports import RejectionReasons, TickStream

pytestmark = pytest.mark.anyio
MAX_OPEN_STREAMS = 3


# A TypeVar, not 3.12 syntax: scripts/nt-compat runs this suite on Python 3.11 against NautilusTrader 1.221.
T = TypeVar("T")


def on_loop(fn: Callable[..., Coroutine[Any, Any, T]], *args: object) -> T:  # noqa: UP047
    return anyio.from_thread.run(fn, *args)


@attrs.define
class OpenStream:
    cm: AbstractAsyncContextManager[TickStream]
    stream: TickStream
    published: Counter[str] = attrs.field(factory=Counter)
    delivered: list[NormalizedTick] = attrs.field(factory=list)


async def read_until(stream: TickStream, wanted: set[tuple[str, int]], timeout_s: float) -> list[NormalizedTick]:
    got: list[NormalizedTick] = []
    with anyio.fail_after(timeout_s):
        while wanted:
            tick = await stream.__anext__()
            got.append(tick)
            wanted.discard((tick.asset, tick.ts_event))
    return got


class FeedMachine(RuleBasedStateMachine):
    harness: FeedHarness
    streams = Bundle("streams")

    def __init__(self) -> None:
        super().__init__()
        h = self.harness
        if h.feed.state is not FeedState.LIVE:
            on_loop(h.reconnect)
        self.connected = True
        self.open: list[OpenStream] = []
        self.sent: dict[int, VenueUpdate] = {}
        # asset -> (ts_event of the newest valid publication while connected, received since the last outage)
        self.newest: dict[str, tuple[int, bool]] = {}
        self.settled_at: int | None = None
        # Frames of the previous example may still be in flight: fence every asset before taking baselines.
        self._fence(sorted(h.assets))
        self.rejected_base = h.feed.counters().rejected
        self.invalid_sent = 0
        self.reconnects_base = h.feed.counters().reconnects
        self.outages = 0

    # -- rules --------------------------------------------------------------------------------------
    @precondition(lambda self: len(self.open) < MAX_OPEN_STREAMS)
    @rule(target=streams, picks=st.sets(st.integers(min_value=0, max_value=63), min_size=1, max_size=4))
    def subscribe(self, picks: set[int]) -> OpenStream:
        # Publications still in flight (a bridge may conflate them with later ones) must not be attributed
        # to the new stream: settle them first, so "published to this stream" is well defined.
        if self.connected and self.settled_at is None:
            self._fence(sorted(self.harness.assets))
        assets = {self.harness.assets[i % len(self.harness.assets)] for i in picks}
        cm = self.harness.feed.subscribe(assets)
        stream = on_loop(cm.__aenter__)
        opened = OpenStream(cm=cm, stream=stream)
        self.open.append(opened)
        return opened

    @rule(opened=consumes(streams))
    def unsubscribe(self, opened: OpenStream) -> None:
        if opened not in self.open:
            return
        self.open.remove(opened)
        on_loop(opened.cm.__aexit__, None, None, None)
        left = on_loop(_drain_now, opened.stream)
        assert left == [], "a closed stream delivers nothing more"

    @rule(shape=shapes())
    def publish(self, shape: UpdateShape) -> None:
        update = realize(self.harness, shape)
        ts = on_loop(self.harness.publish, update)
        if not self.connected:
            return  # lost on the wire, as on a real dropped socket
        self.sent[ts] = update
        self.newest[update.asset] = (ts, True)
        self.settled_at = None
        for opened in self.open:
            if update.asset in opened.stream.assets:
                opened.published[update.asset] += 1

    @precondition(lambda self: self.connected)
    @rule(index=st.integers(min_value=0, max_value=63), defect=st.sampled_from(list(Defect)))
    def publish_invalid(self, index: int, defect: Defect) -> None:
        asset = self.harness.assets[index % len(self.harness.assets)]
        on_loop(self.harness.publish_invalid, asset, defect)
        if defect in self.harness.capabilities.invalid_seen_by_violet:
            self.invalid_sent += 1
        self.settled_at = None

    @precondition(lambda self: self.connected and self.harness.capabilities.can_disconnect)
    @rule()
    def disconnect(self) -> None:
        if self.settled_at is None:
            self._fence(sorted(self.harness.assets))  # what was published before the outage has arrived
        on_loop(self.harness.disconnect)
        self.connected = False
        self.outages += 1
        self.newest = {asset: (ts, False) for asset, (ts, _) in self.newest.items()}

    @precondition(lambda self: not self.connected)
    @rule()
    def reconnect(self) -> None:
        on_loop(self.harness.reconnect)
        self.connected = True

    @precondition(lambda self: self.settled_at is not None)
    @rule(delta_ms=st.integers(min_value=0, max_value=5))
    def advance_time(self, delta_ms: int) -> None:
        self.harness.clock.advance(delta_ms * 1_000_000 // 4)

    @precondition(lambda self: self.connected)
    @rule(shape=shapes())
    def fence_and_check(self, shape: UpdateShape) -> None:
        """Publish a final update to every asset an open stream reads, wait for them, check everything."""
        h = self.harness
        assets = sorted({a for o in self.open for a in o.stream.assets}) or [realize(h, shape).asset]
        finals = self._fence(assets, shape)
        self._check(finals)

    def _fence(self, assets: list[str], shape: UpdateShape | None = None) -> dict[int, VenueUpdate]:
        """Publish one update per asset (see `fence_updates`; accounted in the model) and wait until each arrived."""
        h = self.harness
        shape = shape or UpdateShape(0, 0, 1, 0, 1)
        finals: dict[int, VenueUpdate] = {}
        # A stream of our own over every fence asset: the fence is awaited even when no stream is open.
        probe_cm = h.feed.subscribe(assets)
        probe = on_loop(probe_cm.__aenter__)
        for update in fence_updates(h, [realize(h, shape, asset) for asset in assets]):
            ts = on_loop(h.publish, update)
            finals[ts] = update
            self.sent[ts] = update
            self.newest[update.asset] = (ts, True)
            for opened in self.open:
                if update.asset in opened.stream.assets:
                    opened.published[update.asset] += 1
        on_loop(read_until, probe, {(u.asset, ts) for ts, u in finals.items()}, h.capabilities.fence_timeout_s)
        on_loop(probe_cm.__aexit__, None, None, None)
        self.settled_at = h.clock.monotonic_ns()
        return finals

    def _check(self, finals: dict[int, VenueUpdate]) -> None:
        h = self.harness
        newest = newest_by_key(h, finals)
        for opened in self.open:
            wanted = {(u.asset, ts) for ts, u in finals.items() if u.asset in opened.stream.assets}
            got = on_loop(read_until, opened.stream, wanted, h.capabilities.fence_timeout_s)
            opened.delivered.extend(got)
            conflated = opened.stream.conflated_by_asset()
            for asset in opened.stream.assets:
                mine = [t for t in opened.delivered if t.asset == asset]
                assert len(mine) + conflated.get(asset, 0) == opened.published[asset]
            for key, ts in newest.items():
                if key[0] not in opened.stream.assets:
                    continue
                mine_ts = [t.ts_event for t in opened.delivered if order_key(h.capabilities, t.asset, t.kind) == key]
                assert mine_ts == sorted(set(mine_ts)), "per-asset order kept"
                assert mine_ts[-1] == ts, "the newest value arrives"
            for tick in got:
                update = self.sent[tick.ts_event]
                assert (tick.asset, tick.bid, tick.ask, tick.last) == (
                    update.asset,
                    *(None if v is None else _dec(v) for v in (update.bid, update.ask, update.last)),
                )
        for asset in {u.asset for u in finals.values()}:
            reading = h.feed.latest(asset)
            stamps = {ts for ts, u in finals.items() if u.asset == asset}
            assert reading.tick is not None and reading.tick.ts_event in stamps
            assert reading.fresh

    # -- invariants ---------------------------------------------------------------------------------
    @invariant()
    def state_follows_the_connection(self) -> None:
        state = self.harness.feed.state
        assert (state is FeedState.LIVE) == self.connected, state

    @invariant()
    def nothing_stale_is_fresh(self) -> None:
        h = self.harness
        for asset, (ts, since_outage) in self.newest.items():
            reading = h.feed.latest(asset)
            if not self.connected:
                assert reading.freshness is Freshness.FEED_DOWN
            elif not since_outage:
                assert reading.freshness is Freshness.BEFORE_OUTAGE
            elif self.settled_at is not None and reading.tick is not None and reading.tick.ts_event == ts:
                age = h.clock.monotonic_ns() - reading.tick.mono_ns
                assert reading.fresh == (age <= reading.budget_ns)
            if reading.fresh:
                assert reading.age_ns is not None and reading.age_ns <= reading.budget_ns

    @invariant()
    def counters_match(self) -> None:
        c = self.harness.feed.counters()
        assert c.reconnects - self.reconnects_base == self.outages
        if self.settled_at is not None:
            feed = self.harness.feed
            reasons = feed.rejected_by_reason() if isinstance(feed, RejectionReasons) else {}
            assert c.rejected - self.rejected_base == self.invalid_sent, reasons

    def teardown(self) -> None:
        for opened in self.open:
            on_loop(opened.cm.__aexit__, None, None, None)
        self.open.clear()


def _dec(text: str) -> object:
    from decimal import Decimal

    value = Decimal(text)
    assert format_price(value) == text
    return value


async def _drain_now(stream: TickStream) -> list[NormalizedTick]:
    return [t async for t in stream]


async def test_feed_state_machine(harness: FeedHarness) -> None:
    machine = type(f"FeedMachine_{harness.name}", (FeedMachine,), {"harness": harness})
    profile = settings()
    slow = harness.capabilities.outage_cost_s > 0.5
    examples = max(20, profile.max_examples // (8 if harness.capabilities.fence_cost_s >= 0.005 else 2))
    machine_settings = settings(
        profile,
        max_examples=max(6, profile.max_examples // 40) if slow else examples,
        stateful_step_count=8 if slow else 30,  # a slow harness's step is an outage: CI's 20 minutes
        deadline=None,
    )
    await anyio.to_thread.run_sync(lambda: run_state_machine_as_test(machine, settings=machine_settings))
