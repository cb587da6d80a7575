"""A local BingX order book from `@incrDepth`, sans-IO: frames' levels in, a verdict and the top of book out.

The rule the live venue needs (PROTOCOL.md section 11): a snapshot (`"action":"all"`) replaces the book; an update
applies when its id is newer than the book's, even when ids skip (they skip by 2-9 with no change missing); an id
that is not newer, an update before any snapshot, or a book that is crossed after an update means the book cannot
be trusted: the caller resubscribes the topic and delivers nothing from it until the next snapshot. Levels are
applied by price, never by position (updates list asks worst-first). Each side keeps at least its best `max_levels`
(the venue's snapshots hold up to 1,024): once it holds a quarter more, the far end is dropped back to `max_levels`.

Only the top is ever read, so a side is a dict by price plus a heap of its prices, best first, whose removed
prices are skipped when they surface: an update costs a dict write and at most a C heap push per level.

Prices are keyed and ordered as floats, and delivered as the venue spelled them. That is exact for a price of up to
15 significant digits (a double holds 15 decimal digits: two such prices are equal as floats exactly when they are
equal, and ordered as they are), and a level with more is refused as a bad level. Hashing a fresh `Decimal` cost
0.6 us a price: most of the 1,024-level snapshot every book topic starts with (2.5 -> 0.8 ms a snapshot, timed alone).
"""

from __future__ import annotations

import enum
import heapq
import math
from decimal import Decimal, InvalidOperation

MAX_LEVELS = 1024
Levels = list[tuple[str, str]]


class BookVerdict(enum.Enum):
    OK = "ok"
    NO_SNAPSHOT = "book-no-snapshot"
    STALE_ID = "book-stale-id"
    CROSSED = "book-crossed"
    BAD_LEVEL = "book-bad-level"


EXACT_TEXT_LEN = 16
"""A price spelled in this many characters or fewer has at most 15 significant digits."""


def _exact_as_float(price_text: str) -> bool:
    try:
        digits = Decimal(price_text).normalize().as_tuple().digits
    except (InvalidOperation, ValueError):
        return False
    return len(digits) <= 15


class _Side:
    """One side's levels, price -> the price as the venue spelled it (the top is delivered in the venue's own
    string). The heap holds each price as `rank * price` (rank -1 for bids, so the best is always the least)."""

    __slots__ = ("_heap", "_keep", "_limit", "_rank", "levels")

    def __init__(self, rank: int, max_levels: int) -> None:
        self._rank = rank
        self._keep = max_levels
        self._limit = max_levels + max(1, max_levels // 4)
        self.levels: dict[float, str] = {}
        self._heap: list[float] = []

    def clear(self) -> None:
        self.levels.clear()
        self._heap.clear()

    def apply(self, levels: Levels) -> bool:
        """False for a level that is not a finite positive price with a finite non-negative size."""
        book, heap, rank = self.levels, self._heap, self._rank
        for price_text, size_text in levels:
            try:
                # The size only says whether the level is there.
                price, size = float(price_text), float(size_text)
            except (TypeError, ValueError):
                return False
            if not (0.0 < price < math.inf and 0.0 <= size < math.inf):
                return False
            if len(price_text) > EXACT_TEXT_LEN and not _exact_as_float(price_text):
                return False
            if size == 0.0:
                book.pop(price, None)
            else:
                if price not in book:
                    heapq.heappush(heap, price if rank == 1 else -price)
                book[price] = price_text
        # Removed prices stay in the heap until they surface: a heap much longer than the book is rebuilt.
        if len(book) > self._limit or len(heap) > 2 * len(book) + 64:
            self._compact()
        return True

    def _compact(self) -> None:
        ordered = sorted(self.levels, reverse=self._rank == -1)
        if len(ordered) > self._limit:
            ordered = ordered[: self._keep]
            self.levels = {price: self.levels[price] for price in ordered}
        self._heap = [price if self._rank == 1 else -price for price in ordered]  # ascending: already a heap

    def best(self) -> float | None:
        book, heap = self.levels, self._heap
        while heap:
            price = heap[0] if self._rank == 1 else -heap[0]
            if price in book:
                return price
            heapq.heappop(heap)
        return None


class OrderBook:
    def __init__(self, max_levels: int = MAX_LEVELS) -> None:
        self.max_levels = max_levels
        self.last_id: int | None = None
        self._bids = _Side(-1, max_levels)
        self._asks = _Side(1, max_levels)
        self._top: tuple[str, str] | None = None

    @property
    def synced(self) -> bool:
        return self.last_id is not None

    def reset(self) -> None:
        """Forget everything: the next update is refused until a snapshot comes."""
        self.last_id = None
        self._top = None
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
        if not (self._bids.apply(bids) and self._asks.apply(asks)):
            self.reset()
            return BookVerdict.BAD_LEVEL
        self.last_id = last_id
        bid, ask = self._bids.best(), self._asks.best()
        if bid is None or ask is None:
            self._top = None
        elif bid >= ask:
            self.reset()
            return BookVerdict.CROSSED
        else:
            self._top = self._bids.levels[bid], self._asks.levels[ask]
        return BookVerdict.OK

    def top(self) -> tuple[str, str] | None:
        """(best bid, best ask) as the venue spelled them, or None while a side is empty."""
        return self._top

    def depth(self) -> tuple[int, int]:
        return len(self._bids.levels), len(self._asks.levels)
