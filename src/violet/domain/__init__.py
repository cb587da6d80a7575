"""The domain: value types and invariants, no IO and no venue knowledge."""

from violet.domain.clock import Clock, ManualClock, SystemClock
from violet.domain.errors import (
    CrossedQuote,
    DomainError,
    EmptyTick,
    Explained,
    FeedClosed,
    FeedNotReady,
    IncompleteQuote,
    InvalidIdentifier,
    InvalidPrice,
    InvalidTimestamp,
    InvalidValue,
    UnknownAsset,
    VioletError,
)
from violet.domain.feed_status import FeedCounters, FeedState, Freshness, PriceReading
from violet.domain.prices import format_price, parse_price
from violet.domain.tick import NormalizedTick, TickKind

__all__ = [
    "Clock",
    "CrossedQuote",
    "DomainError",
    "VioletError",
    "EmptyTick",
    "Explained",
    "FeedClosed",
    "FeedNotReady",
    "FeedCounters",
    "FeedState",
    "Freshness",
    "IncompleteQuote",
    "InvalidIdentifier",
    "InvalidPrice",
    "InvalidTimestamp",
    "InvalidValue",
    "ManualClock",
    "NormalizedTick",
    "PriceReading",
    "SystemClock",
    "TickKind",
    "format_price",
    "parse_price",
    "UnknownAsset",
]
