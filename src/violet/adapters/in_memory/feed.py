"""The reference adapter: `VenuePriceFeedPort` over an `InMemoryVenue`. Reactor unit tests use it."""

from __future__ import annotations

import anyio
import anyio.abc

from violet import defaults as d
from violet.adapters.in_memory.venue import InMemoryVenue, RawUpdate
from violet.delivery import HubBackedFeed, TickHub
from violet.domain import (
    Clock,
    DomainError,
    FeedState,
    NormalizedTick,
    SystemClock,
    parse_price,
)


class InMemoryPriceFeed(HubBackedFeed):
    def __init__(
        self,
        venue: InMemoryVenue,
        *,
        name: str = "in_memory",
        staleness_budget_ns: int = d.ms_to_ns(d.VENUE_STALENESS_BUDGET_MS),
        clock: Clock | None = None,
        asset_budgets_ns: dict[str, int] | None = None,
        silent_after_ns: dict[str, int] | None = None,
    ) -> None:
        self._venue = venue
        hub = TickHub(
            venue=name,
            clock=clock or SystemClock(),
            staleness_budget_ns=staleness_budget_ns,
            assets=venue.assets,
            asset_budgets_ns=asset_budgets_ns,
            silent_after_ns=silent_after_ns,
        )
        super().__init__(hub)

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

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        self._venue.attach(self)
        task_status.started()  # a publisher in this process: nothing to confirm upstream

    async def _release(self) -> None:
        self._venue.detach(self)
