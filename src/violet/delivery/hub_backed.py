"""The read side of `VenuePriceFeedPort`, answered by a TickHub. Adapters inherit it and add their lifecycle."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

from violet.delivery.tick_hub import TickHub
from violet.domain import FeedCounters, FeedState, PriceReading
from violet.ports import TickStream


class HubBackedFeed:
    _hub: TickHub

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

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(self._hub.counters.rejected_by_reason)

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        return self._hub.subscription(assets)

    def latest(self, asset: str, *, budget_ns: int | None = None) -> PriceReading:
        return self._hub.latest(asset, budget_ns=budget_ns)
