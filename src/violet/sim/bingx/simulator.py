"""The BingX swap simulator: REST (rest.py), `/swap-market` WebSocket (websocket.py), and here the market's events
as the venue's frames."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import msgspec

from violet.sim.bingx import frames
from violet.sim.bingx.book_channels import BingxBookChannels
from violet.sim.bingx.config import BingxSimConfig
from violet.sim.bingx.rest import BingxRest
from violet.sim.bingx.websocket import STALE_BID_OFFSET, STALE_LAG_MS, BingxWebSocket
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.faults import FaultKind, corrupt_price
from violet.sim.engine.market import MarketEvent, MarkEvent, QuoteEvent, TradeEvent, fmt_units
from violet.sim.engine.rate_window import OneSecondWindow


class BingxSimulator(BingxRest, BingxWebSocket, BingxBookChannels):
    venue = "bingx"
    config: BingxSimConfig

    def __init__(self, config: BingxSimConfig | None = None) -> None:
        super().__init__(config or BingxSimConfig())
        self.symbols = {frames.venue_symbol(i): i for i in self.instruments}
        self._last_trade: dict[str, TradeEvent] = {}
        self._rest_hits: dict[tuple[str, str], list[float]] = {}
        self._rest_banned: dict[str, float] = {}
        self.paused_until: dict[str, float] = {}
        self.rest_calls: list[str] = []
        self.refused_sockets = 0
        """Upgrades refused for going over `max_sockets_per_ip`."""
        self._ip_windows: dict[str, OneSecondWindow] = {}
        self.init_books()

    # -- market events -> frames ----------------------------------------------------------------------
    def frames_for(self, event: MarketEvent) -> Iterable[tuple[str, Outgoing]]:
        symbol = frames.venue_symbol(event.inst)
        index = self.topic_index
        if isinstance(event, QuoteEvent):
            sizes = self.book_moved(symbol, event)
            topic = f"{symbol}@bookTicker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.book_ticker(event, symbol, sizes=sizes)),
                        (symbol, "quote", event.ts_ms, f"{event.bid}/{event.ask}"),
                    ),
                )
            if self.live_cadences:
                return  # the book's other channels go out at their own cadence (book_channels.py)
            topic = f"{symbol}@incrDepth"
            if topic in index:
                frame = self.incr_update_frame(symbol, event.ts_ms)
                if frame is not None:  # logged like the bookTicker: the bench measures the book path against it
                    yield topic, Outgoing(frame, (symbol, "quote", event.ts_ms, f"{event.bid}/{event.ask}"))
            else:
                self.books[symbol].discard_pending()  # nobody to tell; a later subscriber starts from a snapshot
            last = self._last_trade.get(symbol)
            topic = f"{symbol}@ticker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.ticker(event, symbol, last.price if last else event.bid)), None
                    ),
                )
            tick = 1
            for levels, interval in ((5, "500ms"), (20, "100ms")):
                topic = f"{symbol}@depth{levels}@{interval}"
                if topic in index:
                    yield (
                        topic,
                        Outgoing(
                            frames.envelope(
                                topic, frames.depth(event, levels, tick, event.inst.price_decimals), event.ts_ms
                            ),
                            None,
                        ),
                    )
        elif isinstance(event, TradeEvent):
            self._last_trade[symbol] = event
            topic = f"{symbol}@trade"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.trades([event], symbol)),
                        (symbol, "trade", event.ts_ms, event.price),
                    ),
                )
            topic = f"{symbol}@lastPrice"
            if topic in index:
                yield topic, Outgoing(frames.envelope(topic, frames.last_price(event, symbol)), None)
        else:
            assert isinstance(event, MarkEvent)
            topic = f"{symbol}@markPrice"
            if topic in index:
                yield topic, Outgoing(frames.envelope(topic, frames.mark_price(event, symbol)), None)
            topic = f"{symbol}@ticker"
            if self.live_cadences and topic in index:  # one a second, as measured, with the book's top
                top = self.book_quote(symbol, event.ts_ms)
                last = self._last_trade.get(symbol)
                ticker = frames.ticker(top, symbol, last.price if last else top.bid)
                yield topic, Outgoing(frames.envelope(topic, ticker), None)

    def on_market_event(self, event: MarketEvent) -> None:
        if self.config.profile == "live" and isinstance(event, QuoteEvent):
            return  # the top moves at BingX's own cadence (book_channels.py), not at every change upstream
        if isinstance(event, TradeEvent) and self.config.profile == "live":
            if event.kind != "MARKET":
                return
            bid, _, ask, _ = self.books[frames.venue_symbol(event.inst)].best()
            d = event.inst.price_decimals
            event = attrs.evolve(event, price=fmt_units(bid if event.buyer_is_maker else ask, d))  # at this book's top
        self.publish(event)

    def event_for_topic(self, topic: str, ts_ms: int) -> MarketEvent | None:
        symbol, _, channel = topic.partition("@")
        inst = self.symbols.get(symbol)
        if inst is None:
            return None
        if channel == "bookTicker":
            return self.market.quote(inst.base, ts_ms)
        if channel == "trade":
            return self.market.trade(inst.base, ts_ms)
        return self.market.mark(inst.base, ts_ms) if channel == "markPrice" else None

    def adjust(self, conn: SimConnection, event: MarketEvent, topic: str, out: Outgoing) -> Outgoing:
        faults = conn.faults
        if not faults.pending or isinstance(event, MarkEvent):
            return out
        symbol = frames.venue_symbol(event.inst)
        if isinstance(event, QuoteEvent) and topic.endswith("@bookTicker"):
            if faults.take(FaultKind.STALE_PUSH):
                d = event.inst.price_decimals
                off_book = fmt_units(round(int(event.bid.replace(".", "")) * (1 + STALE_BID_OFFSET)), d)
                stale = frames.book_ticker(event, symbol, bid=off_book, t_ms=event.ts_ms - STALE_LAG_MS)
                return Outgoing(frames.envelope(topic, stale), out.log)
            kind = faults.take_value_fault(quote=True)
            if kind is FaultKind.CROSSED:
                return Outgoing(
                    frames.envelope(topic, frames.book_ticker(event, symbol, bid=event.ask + "1", ask=event.bid)),
                    out.log,
                )
            if kind is not None:
                return Outgoing(
                    frames.envelope(topic, frames.book_ticker(event, symbol, bid=corrupt_price(kind, event.bid))),
                    out.log,
                )
        elif isinstance(event, TradeEvent) and topic.endswith("@trade"):
            kind = faults.take_value_fault(quote=False)
            if kind is not None:
                return Outgoing(
                    frames.envelope(topic, frames.trades([event], symbol, price=corrupt_price(kind, event.price))),
                    out.log,
                )
        return out

    def topic_of(self, frame: str) -> tuple[str, str] | None:
        try:
            msg = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return None
        if isinstance(msg, dict) and isinstance(msg.get("dataType"), str) and msg["dataType"]:
            return msg["dataType"], frame
        return None
