"""A BingX push's prices as violet's tick: validated on construction, stamped with the venue's event time."""

from __future__ import annotations

from violet.adapters.bingx.quote_source import Quote
from violet.domain import NormalizedTick, parse_price

VENUE = "bingx"
MS = 1_000_000


def quote_tick(asset: str, quote: Quote, mono_ns: int) -> NormalizedTick:
    return NormalizedTick(
        venue=VENUE,
        asset=asset,
        bid=parse_price(quote.bid, "bid"),
        ask=parse_price(quote.ask, "ask"),
        ts_event=quote.event_ms * MS,
        mono_ns=mono_ns,
    )


def trade_tick(asset: str, price: str, trade_ms: int, mono_ns: int) -> NormalizedTick:
    return NormalizedTick(
        venue=VENUE, asset=asset, last=parse_price(price, "last"), ts_event=trade_ms * MS, mono_ns=mono_ns
    )
