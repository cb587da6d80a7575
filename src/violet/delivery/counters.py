"""Mutable counters behind a feed's immutable `FeedCounters` snapshots."""

from __future__ import annotations

from collections import Counter

import attrs

from violet.domain import FeedCounters

_COUNTED = tuple(field.name for field in attrs.fields(FeedCounters) if field.name != "assets_down")


class MutableCounters:
    __slots__ = (
        "carrier_outages",
        "conflated",
        "delivered",
        "dropped",
        "received",
        "reconnects",
        "rejected",
        "rejected_by_reason",
        "silent_streams",
        "tap_errors",
    )

    def __init__(self) -> None:
        self.received = 0
        self.rejected = 0
        self.delivered = 0
        self.conflated = 0
        self.dropped = 0
        self.reconnects = 0
        self.carrier_outages = 0
        self.silent_streams = 0
        self.tap_errors = 0
        self.rejected_by_reason: Counter[str] = Counter()

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.rejected_by_reason[reason] += 1

    def snapshot(self, *, assets_down: int = 0) -> FeedCounters:
        return FeedCounters(**{name: getattr(self, name) for name in _COUNTED}, assets_down=assets_down)
