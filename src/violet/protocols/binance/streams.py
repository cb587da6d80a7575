"""Binance USD-M market-data stream frames, sans-IO: a combined-stream frame's text in, one event out.

Live, violet reads Binance through NautilusTrader's own client, which parses its frames itself; this parser reads
what `violet record` kept of the same frames (the history adapter replays them). It reads them as NautilusTrader
does: a quote's event time is the transaction time `T` (absent: none), a trade's is `T`.
"""

from __future__ import annotations

import attrs
import msgspec


@attrs.frozen(slots=True)
class BookTicker:
    symbol: str
    bid: str
    ask: str
    transaction_ms: int | None


@attrs.frozen(slots=True)
class Trade:
    """`@trade` or `@aggTrade` (the price is the trade's, the time its transaction time)."""

    symbol: str
    price: str
    trade_ms: int


@attrs.frozen(slots=True)
class OtherStream:
    """A stream this parser does not turn into prices (depth, mark price, ...)."""

    stream: str


@attrs.frozen(slots=True)
class Invalid:
    reason: str


BinanceEvent = BookTicker | Trade | OtherStream | Invalid


class _Wrapper(msgspec.Struct, gc=False):
    stream: str
    data: msgspec.Raw


class _BookTicker(msgspec.Struct, gc=False):
    s: str
    b: str
    a: str
    T: int | None = None


class _Trade(msgspec.Struct, gc=False):
    s: str
    p: str
    T: int


_WRAPPER = msgspec.json.Decoder(_Wrapper)
_BOOK = msgspec.json.Decoder(_BookTicker)
_TRADE = msgspec.json.Decoder(_Trade)


def decode(payload: bytes | str) -> BinanceEvent:
    """One combined-stream frame (`{"stream": "btcusdt@bookTicker", "data": {...}}`)."""
    try:
        frame = _WRAPPER.decode(payload)
    except msgspec.ValidationError:
        return Invalid("bad-wrapper")
    except (msgspec.DecodeError, UnicodeDecodeError):
        return Invalid("not-json")
    kind = frame.stream.partition("@")[2]
    try:
        if kind == "bookTicker":
            b = _BOOK.decode(frame.data)
            return BookTicker(b.s, b.b, b.a, b.T)
        if kind in ("trade", "aggTrade"):
            t = _TRADE.decode(frame.data)
            return Trade(t.s, t.p, t.T)
    except msgspec.ValidationError:
        return Invalid(f"bad-{kind}")
    except msgspec.DecodeError:
        return Invalid("not-json")
    return OtherStream(frame.stream)


def to_canonical(symbol: str) -> str:
    """`BTCUSDT` -> `BTCUSDT-PERP` (the USD-M perpetuals violet reads)."""
    return f"{symbol}-PERP"
