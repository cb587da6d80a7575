"""A deterministic (by seed) random-walk market producing venue-neutral events.

Prices are integers in ticks internally and strings with the instrument's precision on the way out, as
venues send them. Ids (book update ids, trade ids, aggregate trade ranges) only ever increase.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Protocol

import attrs

from violet.sim.engine.universe import Instrument


@attrs.frozen(slots=True, kw_only=True)
class QuoteEvent:
    inst: Instrument
    bid: str
    bid_qty: str
    ask: str
    ask_qty: str
    update_id: int
    ts_ms: int


@attrs.frozen(slots=True, kw_only=True)
class TradeEvent:
    inst: Instrument
    price: str
    qty: str
    trade_id: int
    agg_id: int
    buyer_is_maker: bool
    ts_ms: int
    kind: str = "MARKET"
    """Binance's `X`: MARKET, or the rare ADL / INSURANCE_FUND print (away from the market; not in aggTrade)."""


@attrs.frozen(slots=True, kw_only=True)
class MarkEvent:
    inst: Instrument
    mark: str
    index: str
    funding_rate: str
    next_funding_ms: int
    ts_ms: int


MarketEvent = QuoteEvent | TradeEvent | MarkEvent


class Market(Protocol):
    """What a simulator needs of its market (`RandomWalkMarket`: uniform profile; `SharedMarket`: live)."""

    instruments: tuple[Instrument, ...]

    def instrument(self, base: str) -> Instrument: ...

    def quote(self, base: str, ts_ms: int) -> QuoteEvent: ...

    def trade(self, base: str, ts_ms: int) -> TradeEvent: ...

    def mark(self, base: str, ts_ms: int) -> MarkEvent: ...

    def next_event(self, ts_ms: int) -> QuoteEvent | TradeEvent: ...


@attrs.define(slots=True)
class _Book:
    inst: Instrument
    scale: int
    mid: int
    half_spread: int
    update_id: int
    trade_id: int
    agg_id: int


def fmt_units(units: int, decimals: int) -> str:
    if decimals == 0:
        return str(units)
    s = str(units).rjust(decimals + 1, "0")
    return f"{s[:-decimals]}.{s[-decimals:]}"


class RandomWalkMarket:
    """The uniform profile's market: every event moves a random instrument's mid by a few ticks (fixed aggregate
    rate, all instruments alike); benchmarks use it for its steady, known load."""

    def __init__(self, instruments: tuple[Instrument, ...], *, seed: int, trade_share: float = 0.15) -> None:
        self._rng = random.Random(seed)
        self._trade_share = trade_share
        self.instruments = instruments
        self._books: dict[str, _Book] = {}
        for i, inst in enumerate(instruments):
            mid = int(Decimal(inst.start_price).scaleb(inst.price_decimals))
            self._books[inst.base] = _Book(
                inst=inst,
                scale=inst.price_decimals,
                mid=mid,
                half_spread=1,
                update_id=9_924_360_161_244 + i * 1_000_000,
                trade_id=7_947_574_407 + i * 1_000_000,
                agg_id=16_599_292 + i * 1_000_000,
            )

    def instrument(self, base: str) -> Instrument:
        return self._books[base].inst

    def _qty(self, inst: Instrument) -> str:
        return fmt_units(self._rng.randint(1, 5000), inst.qty_decimals)

    def quote(self, base: str, ts_ms: int) -> QuoteEvent:
        book = self._books[base]
        rng = self._rng
        book.mid = max(book.mid + rng.randint(-3, 3), 20)
        book.half_spread = rng.randint(1, 3)
        book.update_id += rng.randint(1, 40)
        d = book.scale
        return QuoteEvent(
            inst=book.inst,
            bid=fmt_units(book.mid - book.half_spread, d),
            bid_qty=self._qty(book.inst),
            ask=fmt_units(book.mid + book.half_spread, d),
            ask_qty=self._qty(book.inst),
            update_id=book.update_id,
            ts_ms=ts_ms,
        )

    def trade(self, base: str, ts_ms: int) -> TradeEvent:
        book = self._books[base]
        maker = self._rng.random() < 0.5
        price = book.mid - book.half_spread if maker else book.mid + book.half_spread
        book.trade_id += 1
        book.agg_id += 1
        return TradeEvent(
            inst=book.inst,
            price=fmt_units(price, book.scale),
            qty=self._qty(book.inst),
            trade_id=book.trade_id,
            agg_id=book.agg_id,
            buyer_is_maker=maker,
            ts_ms=ts_ms,
        )

    def mark(self, base: str, ts_ms: int) -> MarkEvent:
        book = self._books[base]
        d = book.scale + 2
        mark = book.mid * 100 + self._rng.randint(-50, 50)
        next_funding = (ts_ms // 28_800_000 + 1) * 28_800_000
        return MarkEvent(
            inst=book.inst,
            mark=fmt_units(mark, d),
            index=fmt_units(mark + self._rng.randint(-80, 80), d),
            funding_rate=fmt_units(self._rng.randint(0, 20_000), 8),
            next_funding_ms=next_funding,
            ts_ms=ts_ms,
        )

    def next_event(self, ts_ms: int) -> QuoteEvent | TradeEvent:
        """The next quote or trade of a randomly chosen instrument."""
        inst = self.instruments[self._rng.randrange(len(self.instruments))]
        if self._rng.random() < self._trade_share:
            return self.trade(inst.base, ts_ms)
        return self.quote(inst.base, ts_ms)
