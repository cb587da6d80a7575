"""Contract harness for the in-memory adapter: its far side is the `InMemoryVenue` publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.lowlevel

from tests.contract.harness import Capabilities, Defect, OneCarrier, VenueUpdate
from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, RawUpdate
from violet.domain import FeedState, ManualClock, TickKind

ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP", "DOGEUSDT-PERP")
_INVALID: dict[Defect, dict[str, str | None]] = {
    Defect.CROSSED: {"bid": "101.5", "ask": "101.4"},
    Defect.ZERO: {"bid": "0", "ask": "1.0"},
    Defect.NEGATIVE: {"last": "-5.00"},
    Defect.NON_NUMERIC: {"bid": "abc", "ask": "1.0"},
    Defect.NAN: {"last": "NaN"},
    Defect.ONE_SIDED: {"bid": "1.0"},
}


class InMemoryHarness(OneCarrier):
    name = "in_memory"
    capabilities = Capabilities(
        lossless_when_drained=True,
        invalid_seen_by_violet=frozenset(Defect),
        can_disconnect=True,
        kinds=frozenset(TickKind),
        ts_resolution_ns=1,
    )
    assets = ASSETS

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.venue = InMemoryVenue(ASSETS)
        self.feed = InMemoryPriceFeed(self.venue, clock=self.clock, staleness_budget_ns=1_000_000)
        self._ts = 1_700_000_000_000_000_000

    def price_decimals(self, asset: str) -> int:
        return 2 if asset.startswith("BTC") else 4

    def _next_ts(self) -> int:
        self._ts += 1
        return self._ts

    async def publish(self, update: VenueUpdate) -> int:
        ts = self._next_ts()
        self.venue.publish(RawUpdate(asset=update.asset, bid=update.bid, ask=update.ask, last=update.last, ts_event=ts))
        # Let a concurrently draining consumer run, as a socket read would.
        await anyio.lowlevel.checkpoint()
        return ts

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        ts = self._next_ts()
        fields = _INVALID[defect]
        self.venue.publish(RawUpdate(asset=asset, ts_event=ts, **fields))
        await anyio.lowlevel.checkpoint()
        return ts

    async def disconnect(self) -> None:
        self.venue.disconnect()
        assert self.feed.state is FeedState.RECONNECTING

    async def reconnect(self) -> None:
        self.venue.reconnect()
        assert self.feed.state is FeedState.LIVE


@asynccontextmanager
async def in_memory_harness() -> AsyncIterator[InMemoryHarness]:
    harness = InMemoryHarness()
    async with harness.feed:
        yield harness
