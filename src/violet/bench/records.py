"""What a bench client records per tick, and the statistics joined with the simulator's send times.

Ticks are joined to sends on (symbol, kind, event ms, price text); a violet tick is kept as plain fields and keyed
after the window (formatting its Decimals per tick would delay the next frame).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from hdrh.histogram import HdrHistogram

from violet.domain import NormalizedTick

Key = tuple[str, str, int, str]
TickFields = tuple[str, str, Decimal | None, Decimal | None, Decimal | None, int]
"""A violet tick's venue, asset, bid, ask, last and event time: atomic values, so the tuple is not GC-tracked."""
Record = tuple[Key | TickFields, int]
"""A tick as received: its join key, or a violet tick's fields, keyed later (`keyed`)."""


def fields(tick: NormalizedTick) -> TickFields:
    return (tick.venue, tick.asset, tick.bid, tick.ask, tick.last, tick.ts_event)


@attrs.frozen(kw_only=True)
class Stats:
    n: int
    matched: int
    p50_us: float
    p90_us: float
    p99_us: float
    p999_us: float
    max_us: float
    cpu_s: float
    cdf: list[tuple[float, float]] = attrs.field(factory=list)
    """(percentile, us) points of the latency distribution, for the report's CDF plot."""


def sim_symbol(venue: str, asset: str) -> str:
    """The simulator's spelling of an asset: `BTC-USDT` on BingX, `BTCUSDT` on Binance."""
    base = asset.removesuffix("-PERP")
    return f"{base.removesuffix('USDT')}-USDT" if venue == "bingx" else base


def tick_key(tick: TickFields) -> Key:
    """The join key of a violet tick: the simulator's symbol spelling for its venue."""
    venue, asset, bid, ask, last, ts_event = tick
    symbol = sim_symbol(venue, asset)
    if bid is not None and ask is not None:
        return (symbol, "quote", ts_event // 1_000_000, f"{format(bid, 'f')}/{format(ask, 'f')}")
    assert last is not None
    return (symbol, "trade", ts_event // 1_000_000, format(last, "f"))


def keyed(record: Record) -> tuple[Key, int]:
    what, recv = record
    return (tick_key(what) if len(what) == 6 else what), recv


def summarize(records: list[Record], sends: list[list[Any]], cpu_s: float) -> Stats:
    sent: dict[Key, int] = {(s[0], s[1], s[2], s[3]): s[4] for s in sends}
    hist = HdrHistogram(1, 60_000_000_000, 3)
    matched = 0
    for key, recv in map(keyed, records):
        t = sent.get(key)
        if t is not None and recv >= t:
            hist.record_value(max(1, recv - t))
            matched += 1
    q = hist.get_value_at_percentile
    return Stats(
        n=len(records),
        matched=matched,
        p50_us=q(50) / 1e3,
        p90_us=q(90) / 1e3,
        p99_us=q(99) / 1e3,
        p999_us=q(99.9) / 1e3,
        max_us=hist.get_max_value() / 1e3,
        cpu_s=cpu_s,
        cdf=[(p, q(p) / 1e3) for p in CDF_PERCENTILES] if matched else [],
    )


@attrs.frozen(kw_only=True)
class Delivery:
    """What became of the sends inside the measured window."""

    sent: int
    delivered: int
    """Received by the consumer (whenever: a send late in the window may arrive just after it)."""
    conflated: int
    """Not received, replaced by a newer send of the same symbol and kind the consumer got, and counted as conflated
    by the adapter (a latest-value feed's promise); never more than the adapter counted."""
    repeats: int
    """Not received, an exact repeat of its lane's previous send (same event time and prices): no news, refused as
    `duplicate` by design; a repeat of a conflated send is not counted as conflated by the adapter either."""
    dropped: int
    """None of these: lost."""


def delivery(
    records: list[Record], sends: list[list[Any]], window: list[list[Any]], conflated_counted: int
) -> Delivery:
    """`window`: the sends judged (send time inside the window); `sends`: every send logged, so that a window send
    replaced by a later one (even one after the window) is recognised."""
    received = {key for key, _ in map(keyed, records)}
    delivered_at: dict[tuple[str, str], list[int]] = {}
    previous: dict[tuple[str, str], tuple[Any, ...]] = {}
    repeat_ids: set[int] = set()
    for s in sorted(sends, key=lambda s: s[4]):
        lane, key = (s[0], s[1]), (s[0], s[1], s[2], s[3])
        if previous.get(lane) == key:
            repeat_ids.add(id(s))
        previous[lane] = key
        if key in received:
            delivered_at.setdefault(lane, []).append(s[4])
    delivered = replaced = repeats = 0
    for s in window:
        if (s[0], s[1], s[2], s[3]) in received:
            delivered += 1
        elif id(s) in repeat_ids:
            repeats += 1
        elif any(t > s[4] for t in delivered_at.get((s[0], s[1]), ())):
            replaced += 1
    conflated = min(replaced, max(0, conflated_counted))
    dropped = len(window) - delivered - conflated - repeats
    return Delivery(sent=len(window), delivered=delivered, conflated=conflated, repeats=repeats, dropped=dropped)


CDF_PERCENTILES = (1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9, 99.95, 99.99)


# -- clients ------------------------------------------------------------------------------------------
