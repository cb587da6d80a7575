"""The machinery every adapter shares behind the port: latest values, freshness, fan-out, state, counters.

Adapters own the wire; the hub owns what the port promises. All methods run on the event-loop thread;
adapters whose library calls back on its own threads hand ticks over to the loop first.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager

import anyio

from violet.delivery.carriers import KINDS_OF, QUOTE_ONLY, TRADE_ONLY, CarrierBoard, Stream
from violet.delivery.conflating_stream import ConflatingStream
from violet.delivery.counters import MutableCounters
from violet.delivery.recoveries import Recoveries
from violet.delivery.silence import SilenceWatch, default_silent_after_ns
from violet.delivery.taps import TapGuard
from violet.domain import (
    Clock,
    FeedClosed,
    FeedCounters,
    FeedState,
    Freshness,
    NormalizedTick,
    PriceReading,
    TickKind,
    UnknownAsset,
)

TickCallback = Callable[[NormalizedTick], None]


class TickHub:
    def __init__(
        self,
        *,
        venue: str,
        clock: Clock,
        staleness_budget_ns: int,
        assets: Iterable[str] = (),
        venue_clock_skew_ns: int | None = None,
        wall_ns: Callable[[], int] = time.time_ns,
        asset_budgets_ns: Mapping[str, int] | None = None,
        silent_after_ns: Mapping[str, int] | None = None,
    ) -> None:
        """`venue_clock_skew_ns`: when set, a tick is also judged by the venue's own clock: older than the budget
        plus this allowance by `ts_event`, it is not fresh however recently it arrived (frames a blocked reactor
        or a slow link held back), and on arrival it is refused as `late-event`. None for sources whose
        `ts_event` is not wall time."""
        if staleness_budget_ns <= 0:
            raise ValueError("staleness_budget_ns must be > 0")
        if venue_clock_skew_ns is not None and venue_clock_skew_ns < 0:
            raise ValueError("venue_clock_skew_ns must be >= 0")
        self.venue = venue
        self.clock = clock
        self.staleness_budget_ns = staleness_budget_ns
        self.asset_budgets_ns: Mapping[str, int] = dict(asset_budgets_ns or {})
        """Per-asset budgets (`[<plane>.budget_ms]`): a thin name's quote may be older than a major's and fresh."""
        self.venue_clock_skew_ns = venue_clock_skew_ns
        self._wall_ns = wall_ns
        self.silence = SilenceWatch(
            venue,
            silent_after_ns if silent_after_ns is not None else default_silent_after_ns(),
            name_of=lambda asset, kind: f"{asset} {kind.value}",
        )
        self.counters = MutableCounters()
        self._tap_guard = TapGuard(self.counters)
        self._assets = frozenset(assets)
        self.delisted: frozenset[str] = frozenset()
        """Served assets the venue lists no more (`set_delisted`)."""
        self._state = FeedState.CONNECTING
        self._set_state = FeedState.CONNECTING
        """What the adapter said with `set_state` (the plane's state for adapters that report no carriers)."""
        self._stale = False
        self.carriers = CarrierBoard()
        """Which connection delivers each asset's quotes and trades, and which are up (carriers.py): an asset's
        verdict depends on its own carriers only. Adapters report them with `carry`, `carrier_up`, `carrier_down`."""
        # Bumped when the whole plane goes down: ticks from an older generation are never fresh again. Per stream,
        # the carriers' generations do the same for one carrier's outage.
        self._generation = 0
        self._latest: dict[str, tuple[NormalizedTick, tuple[int, ...]]] = {}
        # The newest tick carrying a quote, and the newest carrying a trade, per asset: each ages on its own.
        self._latest_quote: dict[str, tuple[NormalizedTick, tuple[int, ...]]] = {}
        self._latest_trade: dict[str, tuple[NormalizedTick, tuple[int, ...]]] = {}
        # The newest venue tick per (asset, kind), to refuse a frame older than it or a repeat of it.
        self._newest: dict[tuple[str, TickKind], NormalizedTick] = {}
        self._streams_by_asset: dict[str, list[ConflatingStream]] = {}
        self._taps: list[Callable[[NormalizedTick], None]] = []
        # Shared with every stream (the list itself), so a delivery tap sees streams opened before and after it.
        self._delivery_taps: list[Callable[[NormalizedTick], None]] = []
        self._open = False
        self._ended = False
        self._recoveries = Recoveries()
        self._live: anyio.Event | None = None

    # -- what adapters call -------------------------------------------------------------------------
    def set_assets(self, assets: Iterable[str]) -> None:
        self._assets = frozenset(assets)
        self._refresh_state()

    def set_delisted(self, assets: Iterable[str]) -> None:
        """The served assets the venue lists no more (the whole set): DELISTED, never down, silent or degrading."""
        self.delisted = frozenset(assets) & self._assets
        self._refresh_state()

    def _listed(self) -> frozenset[str]:
        return self._assets - self.delisted if self.delisted else self._assets

    def open(self) -> None:
        self._open = True

    @property
    def is_open(self) -> bool:
        return self._open

    def set_state(self, state: FeedState) -> None:
        """The plane's state, for an adapter that reports no carriers (with carriers it follows from them: use
        `set_stale` for a plane whose every carrier is up and silent)."""
        self._set_state = state
        self._refresh_state()

    def set_stale(self, stale: bool) -> None:
        """Every carrier up, and no data from any of them within the stall threshold (or data again)."""
        self._stale = stale
        self._refresh_state()

    def carry(self, carrier: str, streams: Iterable[Stream], *, added: bool = False) -> None:
        """Declare (or change) what `carrier` delivers (`streams_of(assets)`: their quotes and trades). A new
        carrier is down until `carrier_up`; `added`: one added while the plane serves (see `CarrierBoard.carry`)."""
        came_up, went_down = self.carriers.carry(carrier, streams, added=added)
        self._came_up(came_up)
        self._went_down(went_down)
        self._refresh_state()

    def carrier_up(self, carrier: str) -> None:
        if self.carriers.carrier_is_up(carrier):
            return  # adapters that poll their connections say so on every pass: nothing changed
        self._came_up(self.carriers.up(carrier))
        self._refresh_state()

    def forget_carrier(self, carrier: str) -> None:
        """A connection gone for good (not an outage: nothing is counted); its streams are down unless carried."""
        self._went_down(self.carriers.forget(carrier))
        self._refresh_state()

    def _came_up(self, streams: list[Stream]) -> None:
        # Up (again): each stream gets its full time to speak before it is called silent.
        if streams:
            self.silence.restart_streams(streams, self.clock.monotonic_ns())
            self._recoveries.streams_back((s for s in streams if self.carriers.generation(s)), self._wall_ns())

    def carrier_down(self, carrier: str) -> None:
        """`carrier` dropped: what it delivered is not fresh again until new data arrives on it (or another)."""
        if not self.carriers.carrier_is_up(carrier):
            return
        if self._went_down(self.carriers.down(carrier)) is not None:
            self.counters.carrier_outages += 1
        self._refresh_state()

    def _went_down(self, streams: list[Stream]) -> list[Stream] | None:
        for stream in streams:
            self.silence.forget(stream)
        return streams or None

    def _refresh_state(self) -> None:
        previous = self._state
        if previous is FeedState.CLOSED:
            return
        if self._set_state is FeedState.CLOSED or not self.carriers.active:
            state = self._set_state
        else:
            state = self.carriers.plane_state()
            if state is FeedState.LIVE and self.carriers.assets_down(self._listed()):
                state = FeedState.DEGRADED  # every carrier up, but a stream none carries (a refused topic)
            if self._stale and state in (FeedState.LIVE, FeedState.DEGRADED):
                state = FeedState.STALE
        if state is previous:
            return
        if state is FeedState.RECONNECTING or state is FeedState.CLOSED:
            self._generation += 1
        if state is FeedState.RECONNECTING:
            self.counters.reconnects += 1
        serving = (FeedState.LIVE, FeedState.DEGRADED)
        if state in serving and previous not in serving and self._generation:
            self._recoveries.plane_back(self._wall_ns())
        self._state = state
        if state is FeedState.LIVE and not self.carriers.active:
            self.silence.restart(self.clock.monotonic_ns())
        if (state is FeedState.LIVE or state is FeedState.DEGRADED) and self._live is not None:
            self._live.set()

    async def wait_live(self) -> None:
        """Return once the feed is (or becomes) live, or degraded (some assets delivering)."""
        if self._state is FeedState.LIVE or self._state is FeedState.DEGRADED:
            return
        if self._live is None or self._live.is_set():
            self._live = anyio.Event()
        await self._live.wait()

    def assets_down(self) -> list[str]:
        """Served assets with a stream no up carrier delivers now (all of them while the plane is down)."""
        listed = self._listed()
        if not self.carriers.active:
            return [] if self._state is FeedState.LIVE else sorted(listed)
        if self._state is FeedState.CLOSED or self._state is FeedState.STALE:
            return sorted(listed)
        return self.carriers.assets_down(listed)

    def accept(self, tick: NormalizedTick, *, upstream_conflated: int = 0, late_check: bool = True) -> None:
        """A valid tick from the venue or bridge: remember it and hand it to every interested stream.

        `upstream_conflated`: how many older updates of the same asset and kind a bridge skipped before
        this one (a latest-value bridge conflates by design); streams count them as conflated.
        `late_check=False` for a value known to be old (a bridge's initial snapshot, aged by its `mono_ns`).
        """
        skew = self.venue_clock_skew_ns
        kind = tick.kind  # a property: read once
        if late_check:
            if skew is not None and self._wall_ns() - tick.ts_event > self.budget_for(tick.asset) + skew:
                self.counters.reject("late-event")
                return
            key = (tick.asset, kind)
            newest = self._newest.get(key)
            if newest is not None and tick.ts_event <= newest.ts_event:
                # A venue's event times do not go back per stream: an older frame (replayed, reordered) is never
                # delivered as news, and an exact repeat carries none. Same time, other prices: a real update.
                if tick.ts_event < newest.ts_event:
                    self.counters.reject("out-of-order")
                    return
                if tick.bid == newest.bid and tick.ask == newest.ask and tick.last == newest.last:
                    self.counters.reject("duplicate")
                    return
            self._newest[key] = tick
        self.counters.received += 1
        if upstream_conflated:
            self.counters.conflated += upstream_conflated
        asset = tick.asset
        kinds = KINDS_OF[kind]
        entry = self._latest[asset] = (tick, self._generation_of(asset, kinds))
        if tick.bid is not None:  # a tick of one kind is already its kind's entry (most ticks: one allocation)
            self._latest_quote[asset] = entry if kinds is QUOTE_ONLY else (tick, self._generation_of(asset, QUOTE_ONLY))
        if tick.last is not None:
            self._latest_trade[asset] = entry if kinds is TRADE_ONLY else (tick, self._generation_of(asset, TRADE_ONLY))
        self.silence.arrived(asset, kinds, tick.mono_ns)
        for tap in self._taps:
            try:
                tap(tick)
            except Exception as exc:  # a tap never stops delivery: counted, logged once
                self._tap_guard.failed(tap, exc)
        streams = self._streams_by_asset.get(tick.asset)
        if streams:
            for stream in streams:
                if upstream_conflated:
                    stream.note_conflated(tick.asset, upstream_conflated)
                stream.push(tick)

    def reject(self, reason: str) -> None:
        self.counters.reject(reason)

    def unread(self, asset: str, kind: TickKind) -> bool:
        """Some stream has a tick of this asset and kind not yet read: accepting another now would conflate it."""
        return any(stream.holds(asset, kind) for stream in self._streams_by_asset.get(asset, ()))

    def end_streams(self) -> None:
        """The source has nothing more (a finished recording): every stream, and any opened later, ends once read
        to the end. State and readings stay as they were."""
        self._ended = True
        for streams in list(self._streams_by_asset.values()):
            for stream in list(streams):
                stream.end()

    def close(self) -> None:
        self._set_state = FeedState.CLOSED
        self._refresh_state()
        self._open = False
        for streams in list(self._streams_by_asset.values()):
            for stream in list(streams):
                stream.close()

    # -- what the port exposes ----------------------------------------------------------------------
    @property
    def state(self) -> FeedState:
        return self._state

    def assets(self) -> frozenset[str]:
        return self._assets

    def snapshot_counters(self) -> FeedCounters:
        return self.counters.snapshot(assets_down=len(self.assets_down()))

    def check_assets(self, assets: Iterable[str]) -> frozenset[str]:
        wanted = frozenset(assets)
        for asset in sorted(wanted - self._assets):
            raise UnknownAsset(self.venue, asset)
        return wanted

    def tap(self, on_tick: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        """`on_tick` sees every accepted tick, synchronously and unconflated, while the context is open."""
        return _registered(self._taps, on_tick)

    def tap_delivery(self, on_delivery: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        """`on_delivery` sees each tick as a subscriber reads it, while the context is open."""
        return _registered(self._delivery_taps, on_delivery)

    @asynccontextmanager
    async def subscription(self, assets: Iterable[str]) -> AsyncIterator[ConflatingStream]:
        if not self._open:
            raise FeedClosed(self.venue)
        wanted = self.check_assets(assets)
        stream = ConflatingStream(
            wanted,
            counters=self.counters,
            on_close=self._forget,
            delivery_taps=self._delivery_taps,
            taps=self._tap_guard,
        )
        for asset in wanted:
            self._streams_by_asset.setdefault(asset, []).append(stream)
        if self._ended:
            stream.end()
        try:
            yield stream
        finally:
            stream.close()

    def latest(self, asset: str, *, budget_ns: int | None = None, kind: TickKind | None = None) -> PriceReading:
        if asset not in self._assets:
            raise UnknownAsset(self.venue, asset)
        budget = self.budget_for(asset) if budget_ns is None else budget_ns
        kinds: tuple[TickKind, ...]
        if kind is None:
            entry = self._latest.get(asset)
        elif kind is TickKind.QUOTE:
            entry = self._latest_quote.get(asset)
            kinds = QUOTE_ONLY
        elif kind is TickKind.TRADE:
            entry = self._latest_trade.get(asset)
            kinds = TRADE_ONLY
        else:
            raise ValueError("ask for the quote (TickKind.QUOTE) or the trade (TickKind.TRADE), or None for either")
        if entry is None:
            verdict = Freshness.DELISTED if asset in self.delisted else Freshness.NO_DATA
            return PriceReading(asset=asset, tick=None, age_ns=None, budget_ns=budget, freshness=verdict)
        tick, generation = entry
        if kind is None:
            kinds = KINDS_OF[tick.kind]
        age = self.clock.monotonic_ns() - tick.mono_ns
        if self.delisted and asset in self.delisted:
            verdict = Freshness.DELISTED
        elif self._is_down(asset, kinds):
            verdict = Freshness.FEED_DOWN
        elif generation != self._generation_of(asset, kinds):
            verdict = Freshness.BEFORE_OUTAGE
        elif kind is not None and (asset, kind) in self.silence.silent:
            verdict = Freshness.SILENT_STREAM
        elif age > budget or (self.venue_clock_skew_ns is not None and self._late_by_venue(tick, kinds, budget)):
            verdict = Freshness.TOO_OLD
        else:
            verdict = Freshness.FRESH
        return PriceReading(asset=asset, tick=tick, age_ns=age, budget_ns=budget, freshness=verdict)

    def _late_by_venue(self, tick: NormalizedTick, kinds: tuple[TickKind, ...], budget: int) -> bool:
        assert self.venue_clock_skew_ns is not None
        by_venue = self._wall_ns() - tick.ts_event
        if by_venue <= budget:
            return False  # the common case on the hot path: no recovery to look up
        return by_venue > budget + self.venue_clock_skew_ns or self._recoveries.sent_while_down(tick, kinds)

    def check_silence(self) -> None:
        """Look for silent streams now (the adapter's watcher calls this a few times a second). A stream whose
        carrier is down is in an outage, not silent."""
        if self._state is FeedState.LIVE or self._state is FeedState.DEGRADED:
            up = self.carriers.is_up if self.carriers.active else None
            now = self.clock.monotonic_ns()
            own = self.asset_budgets_ns
            found = self.silence.check(self._listed(), now, up, lambda asset: own.get(asset, 0))
            self.counters.silent_streams += len(found)

    def silent_streams(self) -> list[str]:
        return sorted(self.silence.name_of(asset, kind) for asset, kind in self.silence.silent)

    def budget_for(self, asset: str) -> int:
        """The asset's own budget where one is configured, else the feed's."""
        return self.asset_budgets_ns.get(asset, self.staleness_budget_ns)

    def _is_down(self, asset: str, kinds: tuple[TickKind, ...]) -> bool:
        state = self._state
        if not self.carriers.active:
            return state is not FeedState.LIVE
        if state is not FeedState.LIVE and state is not FeedState.DEGRADED:
            return True  # closed, stale (every carrier silent), or no carrier up
        up = self.carriers.is_up
        return not all(up((asset, kind)) for kind in kinds)

    def _generation_of(self, asset: str, kinds: tuple[TickKind, ...]) -> tuple[int, ...]:
        if len(kinds) == 1:
            return self._generation, self.carriers.generation((asset, kinds[0]))
        return self._generation, *(self.carriers.generation((asset, kind)) for kind in kinds)

    def _forget(self, stream: ConflatingStream) -> None:
        for asset in stream.assets:
            streams = self._streams_by_asset.get(asset)
            if streams and stream in streams:
                streams.remove(stream)
                if not streams:
                    del self._streams_by_asset[asset]


@contextmanager
def _registered(
    callbacks: list[Callable[[NormalizedTick], None]], callback: Callable[[NormalizedTick], None]
) -> Iterator[None]:
    callbacks.append(callback)
    try:
        yield
    finally:
        callbacks.remove(callback)
