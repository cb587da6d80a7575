"""One BingX order book per symbol, the source of every book channel the simulator serves: `@incrDepth` (a snapshot
then diffs), `@depthN` (whole snapshots), and `@bookTicker` (its top when the top changes).

As measured on the live venue (PROTOCOL.md section 11): update ids skip forward by 2-9 with no change missing, and the
first update after a snapshot is its id + 1; snapshots list bids descending and asks ascending, updates list bids
descending and asks worst-first (descending); a size of "0.0000" deletes a level. Prices are integer units of the
instrument's precision, sizes units of 4 decimals, as the venue prints them.
"""

from __future__ import annotations

import random

from sortedcontainers import SortedDict

from violet.sim.engine.market import fmt_units
from violet.sim.engine.universe import Instrument

SIZE_DECIMALS = 4
DELETE = "0.0000"
Levels = list[tuple[str, str]]


class LiveBook:
    def __init__(self, inst: Instrument, rng: random.Random, *, levels: int, first_id: int) -> None:
        self.inst = inst
        self.levels = levels
        self.update_id = first_id
        self._rng = rng
        # Sorted by price: the top, the far end and the levels a moving top crosses are found in O(log n), which
        # the uniform profile needs at tens of thousands of quotes a second.
        self.bids: SortedDict[int, int] = SortedDict()
        self.asks: SortedDict[int, int] = SortedDict()
        self._pending_bids: dict[int, int] = {}
        self._pending_asks: dict[int, int] = {}
        self._snapshot_taken = False

    # -- state ------------------------------------------------------------------------------------------
    def _size(self) -> int:
        return self._rng.randint(1, 200_000)

    def _set(self, side: SortedDict[int, int], pending: dict[int, int], price: int, size: int) -> None:
        if size:
            side[price] = size
        else:
            side.pop(price, None)
        pending[price] = size

    @property
    def empty(self) -> bool:
        return not self.bids or not self.asks

    def best(self) -> tuple[int, int, int, int]:
        """(bid, bid size, ask, ask size) in units."""
        bid, bid_size = self.bids.peekitem(-1)
        ask, ask_size = self.asks.peekitem(0)
        return bid, bid_size, ask, ask_size

    def move_top(self, bid: int, ask: int) -> None:
        """The top moves to `bid` / `ask` (units, bid < ask) with fresh sizes; levels that would cross go, and the
        book is refilled at its far end so it keeps its depth."""
        for price in list(self.bids.irange(minimum=bid)):
            self._set(self.bids, self._pending_bids, price, 0)
        for price in list(self.asks.irange(maximum=ask)):
            self._set(self.asks, self._pending_asks, price, 0)
        self._set(self.bids, self._pending_bids, bid, self._size())
        self._set(self.asks, self._pending_asks, ask, self._size())
        self._refill()

    def _refill(self) -> None:
        rng = self._rng
        while len(self.bids) < self.levels:
            price = self.bids.peekitem(0)[0] - rng.randint(1, 3)
            if price <= 0:
                break
            self._set(self.bids, self._pending_bids, price, self._size())
        while len(self.asks) < self.levels:
            self._set(self.asks, self._pending_asks, self.asks.peekitem(-1)[0] + rng.randint(1, 3), self._size())
        while len(self.bids) > self.levels:
            self._set(self.bids, self._pending_bids, self.bids.peekitem(0)[0], 0)
        while len(self.asks) > self.levels:
            self._set(self.asks, self._pending_asks, self.asks.peekitem(-1)[0], 0)

    def churn(self, changes: int) -> None:
        """`changes` level changes below the top (sizes changed, levels removed or added), as a busy book has."""
        rng = self._rng
        for _ in range(changes):
            buy = rng.random() < 0.5
            side, pending = (self.bids, self._pending_bids) if buy else (self.asks, self._pending_asks)
            if len(side) < 3:
                continue
            top = side.peekitem(-1 if buy else 0)[0]
            price = side.peekitem(rng.randrange(len(side)))[0]
            if price == top:
                continue
            roll = rng.random()
            if roll < 0.6:
                self._set(side, pending, price, self._size())
            elif roll < 0.8:
                self._set(side, pending, price, 0)
            else:
                step = rng.randint(1, 2)
                fresh = price - step if buy else price + step
                if fresh > 0 and fresh not in side:
                    self._set(side, pending, fresh, self._size())
        self._refill()

    # -- frames' contents ---------------------------------------------------------------------------------
    def _fmt(self, price: int, size: int) -> tuple[str, str]:
        return fmt_units(price, self.inst.price_decimals), fmt_units(size, SIZE_DECIMALS) if size else DELETE

    def snapshot(self, depth: int, *, starts_stream: bool = True) -> tuple[int, Levels, Levels]:
        """(lastUpdateId, bids descending, asks ascending), at most `depth` levels a side. `starts_stream`: an
        `@incrDepth` snapshot, after which the next update's id is this one's + 1."""
        self._snapshot_taken = self._snapshot_taken or starts_stream
        bids = list(self.bids.islice(max(0, len(self.bids) - depth), reverse=True))
        asks = list(self.asks.islice(0, depth))
        return (
            self.update_id,
            [self._fmt(p, self.bids[p]) for p in bids],
            [self._fmt(p, self.asks[p]) for p in asks],
        )

    def take_update(self) -> tuple[int, Levels, Levels] | None:
        """The changes since the last update: (id, bids descending, asks worst-first); None if the book was quiet."""
        if not self._pending_bids and not self._pending_asks:
            return None
        self.update_id += 1 if self._snapshot_taken else self._rng.randint(2, 9)
        self._snapshot_taken = False
        bids = [self._fmt(p, s) for p, s in sorted(self._pending_bids.items(), reverse=True)]
        asks = [self._fmt(p, s) for p, s in sorted(self._pending_asks.items(), reverse=True)]
        self._pending_bids.clear()
        self._pending_asks.clear()
        return self.update_id, bids, asks

    def discard_pending(self) -> None:
        """Forget changes nobody will be sent (no subscriber): the next update starts from the book as it is."""
        self._pending_bids.clear()
        self._pending_asks.clear()
