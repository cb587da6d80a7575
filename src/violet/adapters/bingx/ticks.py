"""A BingX push's prices as violet's tick: validated on construction, stamped with the venue's event time."""

from __future__ import annotations

from violet.domain import NormalizedTick, parse_price

VENUE = "bingx"
MS = 1_000_000


def quote_tick(asset: str, bid: str, ask: str, event_ms: int, mono_ns: int) -> NormalizedTick:
    """From the venue's strings: a bookTicker push's own fields, or a book's top (no value in between: this runs for
    every push)."""
    return NormalizedTick.quote(
        VENUE, asset, parse_price(bid, "bid"), parse_price(ask, "ask"), ts_event=event_ms * MS, mono_ns=mono_ns
    )


def trade_tick(asset: str, price: str, trade_ms: int, mono_ns: int) -> NormalizedTick:
    return NormalizedTick.trade(VENUE, asset, parse_price(price, "last"), ts_event=trade_ms * MS, mono_ns=mono_ns)
