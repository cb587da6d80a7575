"""The reference adapter: `VenuePriceFeedPort` over an `InMemoryVenue`. Reactor unit tests use it."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from violet.adapters.in_memory.venue import InMemoryVenue, RawUpdate
from violet.delivery import TickHub
from violet.domain import (
    Clock,
    DomainError,
    FeedCounters,
    FeedState,
    NormalizedTick,
    PriceReading,
    SystemClock,
    parse_price,
)
from violet.ports import TickStream


class InMemoryPriceFeed:
    def __init__(
        self,
        venue: InMemoryVenue,
        *,
        name: str = "in_memory",
        staleness_budget_ns: int = 2_000_000_000,
        clock: Clock | None = None,
    ) -> None:
        self._venue = venue
        self._hub = TickHub(
            venue=name,
            clock=clock or SystemClock(),
            staleness_budget_ns=staleness_budget_ns,
            assets=venue.assets,
        )

    # -- VenueListener ------------------------------------------------------------------------------
    def on_update(self, update: RawUpdate) -> None:
        hub = self._hub
        try:
            tick = NormalizedTick(
                venue=hub.venue,
                asset=update.asset,
                bid=None if update.bid is None else parse_price(update.bid, "bid"),
                ask=None if update.ask is None else parse_price(update.ask, "ask"),
                last=None if update.last is None else parse_price(update.last, "last"),
                ts_event=update.ts_event,
                mono_ns=hub.clock.monotonic_ns(),
            )
        except DomainError as exc:
            hub.reject(type(exc).__name__)
            return
        if tick.asset not in hub.assets():
            hub.reject("UnknownAsset")
            return
        hub.accept(tick)

    def on_connection(self, up: bool) -> None:
        self._hub.set_state(FeedState.LIVE if up else FeedState.RECONNECTING)

    # -- VenuePriceFeedPort -------------------------------------------------------------------------
    @property
    def venue(self) -> str:
        return self._hub.venue

    @property
    def state(self) -> FeedState:
        return self._hub.state

    @property
    def staleness_budget_ns(self) -> int:
        return self._hub.staleness_budget_ns

    def assets(self) -> frozenset[str]:
        return self._hub.assets()

    def counters(self) -> FeedCounters:
        return self._hub.snapshot_counters()

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        return self._hub.subscription(assets)

    def latest(self, asset: str, *, budget_ns: int | None = None) -> PriceReading:
        return self._hub.latest(asset, budget_ns=budget_ns)

    async def __aenter__(self) -> Self:
        self._hub.open()
        self._venue.attach(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._venue.detach(self)
        self._hub.close()
