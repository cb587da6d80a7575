"""Binance USD-M stream names and payloads, with the live wire's key order (see the recorded samples)."""

from __future__ import annotations

import re

from violet.sim.engine.market import MarkEvent, QuoteEvent, TradeEvent

# Stream names a client may subscribe to; data is produced for the first five.
_STREAM = re.compile(
    r"^(?P<sym>[a-z0-9]+)@(?P<kind>bookTicker|aggTrade|trade|markPrice(?:@1s)?"
    r"|(?:rpiD|d)epth(?:5|10|20)?(?:@(?:0ms|100ms|250ms|500ms))?|kline_[0-9]+[smhdwM]|ticker|miniTicker"
    r"|forceOrder|contractInfo)$"
)
PUBLIC_KINDS = re.compile(r"^(?:bookTicker|trade|(?:rpiD|d)epth.*)$")
"""Stream kinds of the public category; every other kind is a market stream (PROTOCOL.md section 9)."""


def route_serves(route: str, name: str) -> bool:
    """Whether a connection on `route` ("public", "market", or "" for the legacy root) is sent stream `name`."""
    parsed = parse_stream(name)
    public = parsed is not None and PUBLIC_KINDS.match(parsed[1]) is not None
    return public if route in ("public", "") else not public


def parse_stream(name: str) -> tuple[str, str] | None:
    m = _STREAM.match(name)
    return None if m is None else (m.group("sym"), m.group("kind"))


def book_ticker(ev: QuoteEvent, symbol: str, bid: str | None = None, ask: str | None = None) -> str:
    return (
        f'{{"e":"bookTicker","u":{ev.update_id},"s":"{symbol}","b":"{bid or ev.bid}","B":"{ev.bid_qty}",'
        f'"a":"{ask or ev.ask}","A":"{ev.ask_qty}","T":{ev.ts_ms},"E":{ev.ts_ms}}}'
    )


def agg_trade(ev: TradeEvent, symbol: str, price: str | None = None) -> str:
    return (
        f'{{"e":"aggTrade","E":{ev.ts_ms},"a":{ev.agg_id},"s":"{symbol}","p":"{price or ev.price}","q":"{ev.qty}",'
        f'"f":{ev.trade_id},"l":{ev.trade_id},"T":{ev.ts_ms},"m":{"true" if ev.buyer_is_maker else "false"}}}'
    )


def trade(ev: TradeEvent, symbol: str, price: str | None = None) -> str:
    return (
        f'{{"e":"trade","E":{ev.ts_ms},"T":{ev.ts_ms},"s":"{symbol}","t":{ev.trade_id},"p":"{price or ev.price}",'
        f'"q":"{ev.qty}","X":"{ev.kind}","m":{"true" if ev.buyer_is_maker else "false"}}}'
    )


def mark_price(ev: MarkEvent, symbol: str) -> str:
    return (
        f'{{"e":"markPriceUpdate","E":{ev.ts_ms},"s":"{symbol}","p":"{ev.mark}","P":"{ev.index}",'
        f'"i":"{ev.index}","r":"{ev.funding_rate}","T":{ev.next_funding_ms}}}'
    )


def combined(stream: str, payload: str) -> str:
    return f'{{"stream":"{stream}","data":{payload}}}'
