"""A local BingX order book from `@incrDepth`, sans-IO: frames' levels in, a verdict and the top of book out.

The rule the live venue needs (PROTOCOL.md section 11): a snapshot (`"action":"all"`) replaces the book; an update
applies when its id is newer than the book's, even when ids skip (they skip by 2-9 with no change missing); an id
that is not newer, an update before any snapshot, or a book that is crossed after an update means the book cannot
be trusted: the caller resubscribes the topic and delivers nothing from it until the next snapshot. Levels are
applied by price, never by position (updates list asks worst-first). Each side keeps at most `max_levels` (the
venue's snapshots hold up to 1,024), the far end dropped first.
"""

from __future__ import annotations

import enum
from decimal import Decimal, InvalidOperation

from sortedcontainers import SortedDict

MAX_LEVELS = 1024
Levels = list[tuple[str, str]]


class BookVerdict(enum.Enum):
    OK = "ok"
    NO_SNAPSHOT = "book-no-snapshot"
    STALE_ID = "book-stale-id"
    CROSSED = "book-crossed"
    BAD_LEVEL = "book-bad-level"


class OrderBook:
    def __init__(self, max_levels: int = MAX_LEVELS) -> None:
        self.max_levels = max_levels
        self.last_id: int | None = None
        # price -> (price, size) as the venue spelled them: the top is delivered in the venue's own strings.
        self._bids: SortedDict[Decimal, tuple[str, str]] = SortedDict()
        self._asks: SortedDict[Decimal, tuple[str, str]] = SortedDict()

    @property
    def synced(self) -> bool:
        return self.last_id is not None

    def reset(self) -> None:
        """Forget everything: the next update is refused until a snapshot comes."""
        self.last_id = None
        self._bids.clear()
        self._asks.clear()

    def apply(self, action: str, last_id: int, bids: Levels, asks: Levels) -> BookVerdict:
        if action == "all":
            self.reset()
        elif self.last_id is None:
            return BookVerdict.NO_SNAPSHOT
        elif last_id <= self.last_id:
            self.reset()
            return BookVerdict.STALE_ID
        if not (self._levels(self._bids, bids) and self._levels(self._asks, asks)):
            self.reset()
            return BookVerdict.BAD_LEVEL
        self.last_id = last_id
        self._trim()
        if self._bids and self._asks and self._bids.peekitem(-1)[0] >= self._asks.peekitem(0)[0]:
            self.reset()
            return BookVerdict.CROSSED
        return BookVerdict.OK

    def _levels(self, side: SortedDict[Decimal, tuple[str, str]], levels: Levels) -> bool:
        for price_text, size_text in levels:
            try:
                price, size = Decimal(price_text), Decimal(size_text)
            except (InvalidOperation, TypeError, ValueError):
                return False
            if not price.is_finite() or not size.is_finite() or price <= 0 or size < 0:
                return False
            if size == 0:
                side.pop(price, None)
            else:
                side[price] = (price_text, size_text)
        return True

    def _trim(self) -> None:
        while len(self._bids) > self.max_levels:
            self._bids.popitem(0)
        while len(self._asks) > self.max_levels:
            self._asks.popitem(-1)

    def top(self) -> tuple[str, str] | None:
        """(best bid, best ask) as the venue spelled them, or None while a side is empty."""
        if not self._bids or not self._asks:
            return None
        return self._bids.peekitem(-1)[1][0], self._asks.peekitem(0)[1][0]

    def depth(self) -> tuple[int, int]:
        return len(self._bids), len(self._asks)
