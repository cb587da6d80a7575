"""Where the BingX adapter takes its quotes from, chosen in config (`[bingx] quote_source`):

- `book`: a local order book per symbol from `@incrDepth` (order_book.py); every update that leaves a sound book
  re-emits its top as a quote, so a live book proves its top current even when the top did not change;
- `bookTicker`: `@bookTicker`, which the live venue pushes only when the top changes (seconds apart on BTC-USDT);
- `depth5`: `@depth5@500ms`, whole five-level snapshots (resent on time on BTC-USDT and ETH-USDT).

Sans-IO: book pushes in, quotes (bid, ask, event ms) or a verdict out; the adapter does the IO (resubscribing a
topic whose book went bad) and the counting. A bookTicker push is already a quote: the adapter makes its tick from
the push itself.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from violet import defaults as d
from violet.adapters.bingx.order_book import BookVerdict, OrderBook
from violet.protocols.bingx.codec import BookPush

CHANNEL: dict[str, str] = {"book": "incrDepth", "bookTicker": "bookTicker", "depth5": "depth5@500ms"}


@attrs.frozen(slots=True)
class Quote:
    bid: str
    ask: str
    event_ms: int


class QuoteSource:
    def __init__(self, name: d.BingxQuoteSource) -> None:
        self.name = name
        self.channel = CHANNEL[name]
        self._books: dict[str, OrderBook] = {}
        self._last: dict[str, Quote] = {}

    def topic(self, symbol: str) -> str:
        return f"{symbol}@{self.channel}"

    def forget(self, symbols: list[str]) -> None:
        """The symbols' socket dropped: their books wait for a fresh snapshot."""
        for symbol in symbols:
            self._books.pop(symbol, None)
            self._last.pop(symbol, None)

    def on_book(self, push: BookPush) -> Quote | BookVerdict | None:
        """A quote from a book push; a verdict other than OK when the book cannot be trusted (resubscribe); None
        when there is nothing to quote (an empty side) or nothing new: two updates in one venue millisecond that
        leave the same top would be the same tick twice, which is not a fault of the venue's to count."""
        if push.action == "depth":
            if not push.bids or not push.asks:
                return None
            bid = max(push.bids, key=lambda level: Decimal(level[0]))[0]
            ask = min(push.asks, key=lambda level: Decimal(level[0]))[0]
            return Quote(bid, ask, push.time_ms)
        book = self._books.get(push.symbol)
        if book is None:
            book = self._books[push.symbol] = OrderBook()
        verdict = book.apply(push.action, push.last_id, push.bids, push.asks)
        if verdict is not BookVerdict.OK:
            return verdict
        top = book.top()
        if top is None:
            return None
        quote = Quote(top[0], top[1], push.time_ms)
        if self._last.get(push.symbol) == quote:
            return None
        self._last[push.symbol] = quote
        return quote
