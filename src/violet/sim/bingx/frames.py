"""BingX swap push envelopes and payloads, with the live captures' key order."""

from __future__ import annotations

import gzip

import msgspec

from violet.sim.engine.market import MarkEvent, QuoteEvent, TradeEvent
from violet.sim.engine.universe import Instrument

CHANNELS = ("bookTicker", "trade", "lastPrice", "markPrice", "ticker", "depth5@500ms", "depth20@100ms")
DEPTH_LEVELS = (5, 10, 20, 50, 100)
DEPTH_INTERVALS = ("100ms", "200ms", "500ms", "1000ms")


def venue_symbol(inst: Instrument) -> str:
    return f"{inst.base}-USDT"


def gz(text: str) -> bytes:
    # One gzip member per frame, as the venue sends; level 1 keeps the simulator cheap at high rates.
    return gzip.compress(text.encode(), compresslevel=1, mtime=0)


def envelope(data_type: str, data: str, ts_ms: int | None = None) -> str:
    if ts_ms is not None:
        return f'{{"code":0,"dataType":"{data_type}","ts":{ts_ms},"data":{data}}}'
    return f'{{"code":0,"dataType":"{data_type}","data":{data}}}'


def book_ticker(
    ev: QuoteEvent,
    symbol: str,
    *,
    bid: str | None = None,
    ask: str | None = None,
    t_ms: int | None = None,
    sizes: tuple[str, str] | None = None,
) -> str:
    """`sizes`: (B, A) as the book holds them (4 decimals, as the venue prints them); the event's otherwise."""
    t = ev.ts_ms if t_ms is None else t_ms
    bid_qty, ask_qty = sizes or (ev.bid_qty, ev.ask_qty)
    return (
        f'{{"e":"bookTicker","u":{ev.update_id},"E":{ev.ts_ms},"T":{t},"s":"{symbol}","b":"{bid or ev.bid}",'
        f'"B":"{bid_qty}","a":"{ask or ev.ask}","A":"{ask_qty}"}}'
    )


def trades(evs: list[TradeEvent], symbol: str, price: str | None = None) -> str:
    # Newest first, as in the recorded frame.
    items = ",".join(
        f'{{"q":"{e.qty}","p":"{price or e.price}","T":{e.ts_ms},"m":{"true" if e.buyer_is_maker else "false"},'
        f'"s":"{symbol}"}}'
        for e in sorted(evs, key=lambda e: e.ts_ms, reverse=True)
    )
    return f"[{items}]"


def last_price(ev: TradeEvent, symbol: str) -> str:
    return f'{{"e":"lastPriceUpdate","E":{ev.ts_ms},"s":"{symbol}","c":"{ev.price}"}}'


def mark_price(ev: MarkEvent, symbol: str) -> str:
    return f'{{"e":"markPriceUpdate","E":{ev.ts_ms},"s":"{symbol}","p":"{ev.mark}"}}'


def ticker(ev: QuoteEvent, symbol: str, last: str) -> str:
    return (
        f'{{"e":"24hTicker","E":{ev.ts_ms},"s":"{symbol}","p":"0.00","P":"0.00","c":"{last}","L":"{ev.bid_qty}",'
        f'"h":"{ev.ask}","l":"{ev.bid}","v":"1000.00","q":"1000000.00","o":"{last}","O":{ev.ts_ms - 86_400_000},'
        f'"C":{ev.ts_ms},"A":"{ev.ask}","a":"{ev.ask_qty}","B":"{ev.bid}","b":"{ev.bid_qty}"}}'
    )


def depth(ev: QuoteEvent, levels: int, tick: int, decimals: int) -> str:
    """A full snapshot; bids best-first, asks worst-first (descending), as the venue sends them."""

    def fmt(units: int) -> str:
        s = str(units).rjust(decimals + 1, "0")
        return s if decimals == 0 else f"{s[:-decimals]}.{s[-decimals:]}"

    bid = int(ev.bid.replace(".", ""))
    ask = int(ev.ask.replace(".", ""))
    bids = ",".join(f'["{fmt(bid - i * tick)}","{ev.bid_qty}"]' for i in range(levels))
    asks = ",".join(f'["{fmt(ask + i * tick)}","{ev.ask_qty}"]' for i in reversed(range(levels)))
    return f'{{"bids":[{bids}],"asks":[{asks}]}}'


def ack(req_id: str, code: int = 0, msg: str = "") -> str:
    # The id is the client's own string: encode it properly.
    return msgspec.json.encode({"id": req_id, "code": code, "msg": msg, "dataType": "", "data": None}).decode()


def _levels(levels: list[tuple[str, str]]) -> str:
    return ",".join(f'["{p}","{s}"]' for p, s in levels)


def incr_depth(
    topic: str, action: str, last_id: int, time_ms: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> str:
    """`@incrDepth`: action "all" (a snapshot) or "update" (changed levels; size "0.0000" deletes), keys as recorded."""
    return envelope(
        topic,
        f'{{"action":"{action}","lastUpdateId":{last_id},"time":{time_ms},'
        f'"bids":[{_levels(bids)}],"asks":[{_levels(asks)}]}}',
    )


def depth_of_book(bids: list[tuple[str, str]], asks_ascending: list[tuple[str, str]]) -> str:
    """A `@depthN` payload from a book: bids best-first, asks worst-first (descending), as the venue sends them."""
    return f'{{"bids":[{_levels(bids)}],"asks":[{_levels(list(reversed(asks_ascending)))}]}}'
