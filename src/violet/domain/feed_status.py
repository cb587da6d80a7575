"""What a feed reports about itself: its state, its counters and a freshness verdict per asset."""

from __future__ import annotations

import enum

import attrs

from violet.domain.tick import NormalizedTick


class FeedState(enum.Enum):
    CONNECTING = "connecting"
    LIVE = "live"
    """Every connection (carrier) up."""
    DEGRADED = "degraded"
    """Some carriers down: their assets are not fresh (`FEED_DOWN`), every other asset is judged on its own."""
    STALE = "stale"
    """Connected, but no data within the stall threshold."""
    RECONNECTING = "reconnecting"
    """No carrier up."""
    CLOSED = "closed"


class Freshness(enum.Enum):
    FRESH = "fresh"
    NO_DATA = "no-data"
    TOO_OLD = "too-old"
    """Older than the consumer's staleness budget."""
    FEED_DOWN = "feed-down"
    """The connection that carries this asset and kind is down, or the whole feed is (connecting, stalled,
    reconnecting, closed)."""
    BEFORE_OUTAGE = "before-outage"
    """Received before the last outage of the connection that carries it; no fresh update has arrived since."""
    SILENT_STREAM = "silent-stream"
    """The stream of this asset and kind delivers nothing while the venue's other streams flow (a stream on a
    route that does not serve it, a channel the venue stopped): stale until it speaks again."""
    DELISTED = "delisted"
    """The venue lists the asset no more (in trading): its last price is history, never fresh again unless the venue
    lists it again (seen by a `[universe]` rule re-resolved while running)."""


@attrs.frozen(slots=True, kw_only=True)
class PriceReading:
    """`latest(asset)`: the newest tick, its age, and whether it may be acted upon."""

    asset: str
    tick: NormalizedTick | None
    age_ns: int | None
    budget_ns: int
    freshness: Freshness

    @property
    def fresh(self) -> bool:
        return self.freshness is Freshness.FRESH


@attrs.frozen(slots=True, kw_only=True)
class FeedCounters:
    received: int = 0
    """Valid ticks accepted from the venue or bridge."""
    rejected: int = 0
    """Frames or values refused (malformed, invalid prices, unknown version...)."""
    delivered: int = 0
    """Ticks handed to subscribers (summed over subscriptions)."""
    conflated: int = 0
    """Ticks replaced by a newer one for the same asset before a slow subscriber read them."""
    dropped: int = 0
    """Ticks lost for any other reason (should stay 0)."""
    reconnects: int = 0
    """Outages of the whole plane (every connection down at once)."""
    carrier_outages: int = 0
    """Outages of one connection (a socket, a route, a feed shard), each counted once, whole-plane ones included."""
    assets_down: int = 0
    """Assets not delivering now (a gauge, not a count): those whose connection is down."""
    tap_errors: int = 0
    """Taps (bridge writers, observers) that raised on a tick; delivery went on."""
    silent_streams: int = 0
    """Streams found silent (subscribed, delivering nothing while the venue's others flow), once per episode."""
