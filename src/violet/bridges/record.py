"""The one record both bridges carry: a tick of one kind as the writer published it.

Prices travel as the venue's decimal strings (they are how the venue sent them and how `NormalizedTick` keeps them);
`updates` is the writer's count of this asset-and-kind's updates since it started, so a reader that skipped some
(a latest-value bridge conflates by design) knows how many. The writer is the only one that counts: it sees every
tick, unconflated (`TickTap`).
"""

from __future__ import annotations

import time
from decimal import Decimal

import attrs

from violet.domain import NormalizedTick, format_price, parse_price

KINDS = ("quote", "trade", "quote+trade")
type Prices = tuple[str | None, str | None, str | None]
type Stamps = tuple[int, int, int, int]


def _text(price: Decimal | None) -> str | None:
    return None if price is None else format_price(price)


@attrs.frozen(slots=True, kw_only=True)
class BridgeRecord:
    asset: str
    kind: str
    venue: str
    bid: str | None = None
    ask: str | None = None
    last: str | None = None
    ts_event: int
    received_ns: int
    """When the feed process received the tick: `CLOCK_MONOTONIC` for shared memory (comparable across processes of
    one host), the feed's wall clock for Hazelcast (hosts apart share no monotonic clock). A reader ages the tick
    from it, so time spent in the feed and the bridge counts as age."""
    published_ns: int
    """The writer's clock when it published: monotonic for shared memory (one host), wall for Hazelcast."""
    updates: int

    @classmethod
    def of_tick(
        cls, tick: NormalizedTick, *, updates: int, published_ns: int, received_ns: int | None = None
    ) -> BridgeRecord:
        """`received_ns`: the receive time on the bridge's clock, when that is not the tick's own `mono_ns`."""
        return cls.of_parts(
            tick.asset,
            tick.kind.value,
            tick.venue,
            (_text(tick.bid), _text(tick.ask), _text(tick.last)),
            (tick.ts_event, tick.mono_ns if received_ns is None else received_ns, published_ns, updates),
        )

    @classmethod
    def of_parts(cls, asset: str, kind: str, venue: str, prices: Prices, stamps: Stamps) -> BridgeRecord:
        """A record from what a bridge stores apart from its key: the prices as (bid, ask, last) and the numbers
        as (ts_event, received_ns, published_ns, updates), as `prices` and `stamps` give them back."""
        bid, ask, last = prices
        ts_event, received_ns, published_ns, updates = stamps
        return cls(
            asset=asset,
            kind=kind,
            venue=venue,
            bid=bid,
            ask=ask,
            last=last,
            ts_event=ts_event,
            received_ns=received_ns,
            published_ns=published_ns,
            updates=updates,
        )

    @property
    def prices(self) -> Prices:
        return self.bid, self.ask, self.last

    @property
    def stamps(self) -> Stamps:
        return self.ts_event, self.received_ns, self.published_ns, self.updates

    def to_tick(self, *, mono_ns: int, venue: str) -> NormalizedTick:
        """The tick again, validated as any venue input is (a bridge is a process or network boundary): raises
        `DomainError`. `mono_ns` is the reader's receive time; `venue` stands in for a record that names none."""
        return NormalizedTick(
            venue=self.venue or venue,
            asset=self.asset,
            bid=None if self.bid is None else parse_price(self.bid, "bid"),
            ask=None if self.ask is None else parse_price(self.ask, "ask"),
            last=None if self.last is None else parse_price(self.last, "last"),
            ts_event=self.ts_event,
            mono_ns=mono_ns,
        )


def quote_now(asset: str, bid: str, ask: str, *, venue: str = "binance") -> NormalizedTick:
    """A quote stamped now (event time at millisecond precision, as venues send it): for benches and tests that
    play the feed's part."""
    return NormalizedTick(
        venue=venue,
        asset=asset,
        bid=Decimal(bid),
        ask=Decimal(ask),
        ts_event=time.time_ns() // 1_000_000 * 1_000_000,
        mono_ns=time.monotonic_ns(),
    )
