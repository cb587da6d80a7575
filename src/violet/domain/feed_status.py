"""What a feed reports about itself: its state, its counters and a freshness verdict per asset."""

from __future__ import annotations

import enum

import attrs

from violet.domain.tick import NormalizedTick


class FeedState(enum.Enum):
    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"
    """Connected, but no data within the stall threshold."""
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class Freshness(enum.Enum):
    FRESH = "fresh"
    NO_DATA = "no-data"
    TOO_OLD = "too-old"
    """Older than the consumer's staleness budget."""
    FEED_DOWN = "feed-down"
    """The feed is not live (connecting, stalled, reconnecting, closed)."""
    BEFORE_OUTAGE = "before-outage"
    """Received before the last outage; no fresh update has arrived since."""
    SILENT_STREAM = "silent-stream"
    """The stream of this asset and kind delivers nothing while the venue's other streams flow (a stream on a
    route that does not serve it, a channel the venue stopped): stale until it speaks again."""


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
    silent_streams: int = 0
    """Streams found silent (subscribed, delivering nothing while the venue's others flow), once per episode."""
