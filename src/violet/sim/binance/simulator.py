"""The Binance USD-M simulator: REST under `/fapi` (rest.py), WebSocket on the legacy (`/ws`, `/stream`) and the
category routes (`/public/...`, `/market/...`) (websocket.py), and here the market's events as the venue's frames."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import msgspec

from violet.sim.binance import frames
from violet.sim.binance.config import BinanceSimConfig
from violet.sim.binance.exchange_info import venue_symbol
from violet.sim.binance.rest import BinanceRest
from violet.sim.binance.rest_limits import WeightLimiter
from violet.sim.binance.websocket import BinanceWebSocket
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.faults import FaultKind, corrupt_price
from violet.sim.engine.market import MarketEvent, MarkEvent, QuoteEvent, TradeEvent


class BinanceSimulator(BinanceRest, BinanceWebSocket):
    venue = "binance"
    config: BinanceSimConfig

    def __init__(self, config: BinanceSimConfig | None = None) -> None:
        cfg = config or BinanceSimConfig()
        self.limiter = WeightLimiter(limit=cfg.weight_limit, ban_after=cfg.ban_after_429, ban_s=cfg.ban_s)
        super().__init__(cfg)
        self.symbols = {venue_symbol(i): i for i in self.instruments}
        self.rest_calls: list[str] = []
        self.connects_by_route: Counter[str] = Counter()
        self.control_requests: Counter[str] = Counter()
        """Control frames received, by method (e.g. how many SUBSCRIBE frames a client needed)."""

    # -- market events -> frames ----------------------------------------------------------------------
    def frames_for(self, event: MarketEvent) -> Iterable[tuple[str, Outgoing]]:
        symbol = venue_symbol(event.inst)
        low = symbol.lower()
        index = self.topic_index
        if isinstance(event, QuoteEvent):
            topic = f"{low}@bookTicker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.book_ticker(event, symbol),
                        (symbol, "quote", event.ts_ms, f"{event.bid}/{event.ask}"),
                    ),
                )
        elif isinstance(event, TradeEvent):
            log = (symbol, "trade", event.ts_ms, event.price)
            topic = f"{low}@trade"
            if topic in index:
                yield topic, Outgoing(frames.trade(event, symbol), log)
            topic = f"{low}@aggTrade"
            if topic in index and event.kind == "MARKET":  # ADL and insurance-fund prints are not aggregated trades
                yield topic, Outgoing(frames.agg_trade(event, symbol), log)
        else:
            payload = None
            for topic in (f"{low}@markPrice@1s", f"{low}@markPrice"):
                if topic in index:
                    payload = payload or frames.mark_price(event, symbol)
                    yield topic, Outgoing(payload, None)

    def event_for_topic(self, topic: str, ts_ms: int) -> MarketEvent | None:
        parsed = frames.parse_stream(topic)
        inst = None if parsed is None else self.symbols.get(parsed[0].upper())
        if parsed is None or inst is None:
            return None
        kind = parsed[1]
        if kind == "bookTicker":
            return self.market.quote(inst.base, ts_ms)
        if kind in ("trade", "aggTrade"):
            return self.market.trade(inst.base, ts_ms)
        return self.market.mark(inst.base, ts_ms) if kind.startswith("markPrice") else None

    def adjust(self, conn: SimConnection, event: MarketEvent, topic: str, out: Outgoing) -> Outgoing:
        text = out.text
        if conn.faults.pending and not isinstance(event, MarkEvent):
            kind = conn.faults.take_value_fault(quote=isinstance(event, QuoteEvent))
            if kind is not None:
                text = self._corrupt(event, kind)
        if conn.properties.get("combined"):
            text = frames.combined(topic, text)
        return Outgoing(text, out.log) if text is not out.text else out

    def _corrupt(self, event: QuoteEvent | TradeEvent, kind: FaultKind) -> str:
        symbol = venue_symbol(event.inst)
        if isinstance(event, QuoteEvent):
            if kind is FaultKind.CROSSED:
                return (
                    frames.book_ticker(event, symbol, bid=event.ask, ask=event.bid)
                    if event.bid != event.ask
                    else (frames.book_ticker(event, symbol, bid=event.ask + "1", ask=event.bid))
                )
            return frames.book_ticker(event, symbol, bid=corrupt_price(kind, event.bid))
        return frames.trade(event, symbol, price=corrupt_price(kind, event.price))

    def topic_of(self, frame: str) -> tuple[str, str] | None:
        try:
            msg = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return None
        if not isinstance(msg, dict):
            return None
        if "stream" in msg and "data" in msg:
            return str(msg["stream"]), msgspec.json.encode(msg["data"]).decode()
        kind, symbol = msg.get("e"), msg.get("s")
        names = {
            "bookTicker": "bookTicker",
            "aggTrade": "aggTrade",
            "trade": "trade",
            "markPriceUpdate": "markPrice@1s",
        }
        if isinstance(kind, str) and isinstance(symbol, str) and kind in names:
            return f"{symbol.lower()}@{names[kind]}", frame
        return None

    def wrap_for(self, conn: SimConnection, topic: str, payload: str) -> str:
        """A payload as this connection receives it (combined wrapper or raw)."""
        return frames.combined(topic, payload) if conn.properties.get("combined") else payload
