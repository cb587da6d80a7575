"""The BingX simulator's book channels, all views of one `LiveBook` per symbol: `@incrDepth` (a snapshot ~0.2 s after
the ack, then the book's changes), `@depthN` (whole snapshots) and `@bookTicker` (the top, when it changes).

Under the live profile the books move at the cadences measured on the venue (cadence.py): the top changes at
log-normal gaps around its median, level changes go out every `incr_ms` unless the book is quiet, and depth
snapshots are resent on time even when unchanged. Under the uniform profile every quote event moves the top and its
change goes out at once. A quote a test injects moves the book under either.
"""

from __future__ import annotations

import asyncio
import heapq
import random
import time
from decimal import Decimal

import anyio
import anyio.abc

from violet.sim.bingx import frames
from violet.sim.bingx.book import SIZE_DECIMALS, LiveBook
from violet.sim.bingx.cadence import MAJORS, Cadence, cadence_for, name_interval_ms, top_gap_s
from violet.sim.bingx.config import BingxSimConfig
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.market import QuoteEvent, fmt_units
from violet.sim.engine.simulator import SimulatorCore
from violet.sim.engine.universe import Instrument

SNAPSHOT_DELAY_S = (0.169, 0.280)
"""An `@incrDepth` snapshot follows the ack this late (measured live)."""
SNAPSHOT_LEVELS = 1024
DEPTH_TICK_S = 0.1


def units(text: str, decimals: int) -> int:
    return int(Decimal(text).scaleb(decimals))


class BingxBookChannels(SimulatorCore):
    config: BingxSimConfig
    symbols: dict[str, Instrument]

    def init_books(self) -> None:
        self._book_rng = random.Random(self.config.seed * 7_919 + 3)
        self.books: dict[str, LiveBook] = {}
        self.cadences: dict[str, Cadence] = {}
        self._quiet_until: dict[str, float] = {}
        self._depth_due: dict[str, float] = {}
        now = self.clock.now_ms()
        for rank, inst in enumerate(self.instruments):
            symbol = frames.venue_symbol(inst)
            major = inst.base in MAJORS
            book = LiveBook(inst, self._book_rng, levels=SNAPSHOT_LEVELS if major else 200, first_id=857_550_007 + rank)
            q = self.market.quote(inst.base, now)
            book.move_top(units(q.bid, inst.price_decimals), units(q.ask, inst.price_decimals))
            book.discard_pending()
            self.books[symbol] = book
            self.cadences[symbol] = cadence_for(inst.base, rank, btc_top_median_s=self.config.btc_top_median_s)

    # -- the book follows every quote it is shown -------------------------------------------------------------
    def book_moved(self, symbol: str, event: QuoteEvent) -> tuple[str, str]:
        """The book's top moves to the event's prices; returns its top sizes (B, A), as the bookTicker shows them."""
        book = self.books[symbol]
        d = event.inst.price_decimals
        book.move_top(units(event.bid, d), units(event.ask, d))
        _, bid_size, _, ask_size = book.best()
        return fmt_units(bid_size, SIZE_DECIMALS), fmt_units(ask_size, SIZE_DECIMALS)

    @property
    def live_cadences(self) -> bool:
        """The live profile with its own market running: channels speak at their measured cadences. Without the
        market (a test injecting every event) every channel answers each injected event, as under uniform."""
        return self.config.profile == "live" and self.config.market

    def book_quote(self, symbol: str, ts_ms: int) -> QuoteEvent:
        """The book's top as a quote event (for channels built from quotes, e.g. `@ticker`)."""
        book = self.books[symbol]
        bid, bid_size, ask, ask_size = book.best()
        d = book.inst.price_decimals
        return QuoteEvent(
            inst=book.inst,
            bid=fmt_units(bid, d),
            bid_qty=fmt_units(bid_size, SIZE_DECIMALS),
            ask=fmt_units(ask, d),
            ask_qty=fmt_units(ask_size, SIZE_DECIMALS),
            update_id=book.update_id,
            ts_ms=ts_ms,
        )

    def incr_update_frame(self, symbol: str, time_ms: int | None = None) -> str | None:
        update = self.books[symbol].take_update()
        if update is None:
            return None
        last_id, bids, asks = update
        t = self.clock.now_ms() if time_ms is None else time_ms
        return frames.incr_depth(f"{symbol}@incrDepth", "update", last_id, t, bids, asks)

    # -- incrDepth subscriptions: the snapshot first ----------------------------------------------------------
    def subscribe(self, conn: SimConnection, topic: str) -> None:
        if not topic.endswith("@incrDepth"):
            super().subscribe(conn, topic)
            return
        if topic in conn.topics:
            return  # subscribed twice on one socket: acked twice, delivered once (as observed live)
        conn.topics.add(topic)  # counted against the socket's topics now; fed once its snapshot is out
        delay = self._book_rng.uniform(*SNAPSHOT_DELAY_S)
        asyncio.get_running_loop().call_later(delay, self._snapshot_then_feed, conn, topic)

    def _snapshot_then_feed(self, conn: SimConnection, topic: str) -> None:
        if conn.closed or topic not in conn.topics:
            return
        symbol = topic.partition("@")[0]
        last_id, bids, asks = self.books[symbol].snapshot(SNAPSHOT_LEVELS)
        t_ms = self.clock.now_ms()
        top = self.book_quote(symbol, t_ms)
        log = (symbol, "quote", t_ms, f"{top.bid}/{top.ask}")
        conn.offer(Outgoing(frames.incr_depth(topic, "all", last_id, t_ms, bids, asks), log))
        super().subscribe(conn, topic)

    # -- the live cadences --------------------------------------------------------------------------------------
    def start_venue_loops(self, tg: anyio.abc.TaskGroup) -> None:
        if self.live_cadences:
            tg.start_soon(self._book_loop)

    async def _book_loop(self) -> None:
        rng = self._book_rng
        now = time.monotonic()
        heap: list[tuple[float, int, str, str]] = []
        seq = 0
        for symbol, cadence in self.cadences.items():
            heap.append((now + top_gap_s(cadence, rng), seq, "top", symbol))
            heap.append((now + rng.uniform(0, cadence.incr_ms / 1000), seq + 1, "incr", symbol))
            seq += 2
        heap.append((now + DEPTH_TICK_S, seq, "depth", ""))
        heapq.heapify(heap)
        while True:
            due, _, kind, symbol = heap[0]
            now = time.monotonic()
            if due > now:
                await anyio.sleep(max(due - now, 0.001))
                continue
            heapq.heappop(heap)
            seq += 1
            if kind == "depth":
                self._send_depth_snapshots(now)
                heapq.heappush(heap, (due + DEPTH_TICK_S, seq, kind, symbol))
                continue
            cadence = self.cadences[symbol]
            if self.delisted and self.symbols[symbol].base in self.delisted:
                heapq.heappush(heap, (due + cadence.incr_ms / 1000, seq, kind, symbol))
                continue  # the venue sends nothing more of a delisted contract
            quiet = now < self._quiet_until.get(symbol, 0.0)
            if kind == "top":
                if not quiet and f"{symbol}@bookTicker" not in self.recorded_topics:
                    self.publish(self.market.quote(self.symbols[symbol].base, self.clock.now_ms()))
                heapq.heappush(heap, (now + top_gap_s(cadence, rng), seq, kind, symbol))
                continue
            if not quiet and rng.random() < cadence.spell_share:
                self._quiet_until[symbol] = now + rng.uniform(*cadence.quiet_spell_s)
            elif not quiet and rng.random() >= cadence.quiet_share:
                self.books[symbol].churn(rng.randint(1, 6))
            t_ms = self.clock.now_ms()
            frame = self.incr_update_frame(symbol, t_ms)
            if frame is not None:
                # Logged with the top it leaves, as the bookTicker is: what a client's book quote shows (the send log
                # is how benches and the chaos oracle know what the venue said, and when).
                top = self.book_quote(symbol, t_ms)
                log = (symbol, "quote", t_ms, f"{top.bid}/{top.ask}")
                for conn in self.topic_index.get(f"{symbol}@incrDepth", ()):
                    conn.offer(Outgoing(frame, log))
            heapq.heappush(heap, (due + cadence.incr_ms / 1000, seq, kind, symbol))

    def _send_depth_snapshots(self, now: float) -> None:
        """Whole `@depthN` snapshots on time, changed or not (identical books are resent, as observed)."""
        for topic in [t for t in self.topic_index if "@depth" in t]:
            symbol, _, channel = topic.partition("@")
            if now < self._depth_due.get(topic, 0.0) or self.symbols[symbol].base in self.delisted:
                continue
            major = self.symbols[symbol].base in MAJORS
            self._depth_due[topic] = now + (0.2 if major else name_interval_ms(channel) / 1000)
            levels = int(channel.removeprefix("depth").partition("@")[0])
            _, bids, asks = self.books[symbol].snapshot(levels, starts_stream=False)
            payload = frames.envelope(topic, frames.depth_of_book(bids, asks), self.clock.now_ms())
            for conn in self.topic_index.get(topic, ()):
                conn.offer(Outgoing(payload, None))
