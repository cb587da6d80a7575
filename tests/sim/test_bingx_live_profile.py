"""The BingX simulator's live profile against the cadences measured on the venue (PROTOCOL.md section 11), seen by an
independent client (websockets): bookTicker on top change only, incrDepth as a snapshot then diffs with skipping
ids, depth snapshots resent on time, every book channel a view of one book, injected events sent as injected."""

from __future__ import annotations

import gzip
import itertools
import json
import statistics
import time
from decimal import Decimal
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect

from violet.sim.bingx import BingxSimConfig, BingxSimulator

pytestmark = pytest.mark.anyio


def live(**kw: Any) -> BingxSimConfig:
    return BingxSimConfig(**{"symbols": 3, "rate_hz": 500.0, "profile": "live", "subscribe_per_s": 100, **kw})


async def frames_for(ws: ClientConnection, seconds: float) -> list[tuple[float, dict[str, Any]]]:
    """(receive time, payload) of every data frame for `seconds` (Pings answered, acks skipped)."""
    out: list[tuple[float, dict[str, Any]]] = []
    with anyio.move_on_after(seconds):
        while True:
            text = gzip.decompress(await ws.recv()).decode()  # type: ignore[arg-type]
            if text == "Ping":
                await ws.send("Pong")
                continue
            msg = json.loads(text)
            if msg.get("dataType"):
                out.append((time.monotonic(), msg))
    return out


async def subscribe(ws: ClientConnection, *topics: str) -> float:
    for i, topic in enumerate(topics):
        await ws.send(json.dumps({"id": f"s{i}", "reqType": "sub", "dataType": topic}))
    return time.monotonic()


def top_of(book: dict[str, dict[Decimal, str]]) -> tuple[str, str, str, str]:
    bid, ask = max(book["bids"]), min(book["asks"])
    return format(bid, "f"), book["bids"][bid], format(ask, "f"), book["asks"][ask]


async def test_book_ticker_pushes_on_top_change_only_at_its_own_cadence_not_the_markets_rate() -> None:
    # Gaps are log-normal (median 0.1 s, sigma 0.8: mean 0.14 s), so 6 s hold ~43 pushes, sd ~6 (a renewal count);
    # the bounds sit ~4 sd out. (At a 0.3 s median the same window held ~15, sd ~3.6, and ">= 10" failed in CI once
    # in a few dozen runs: the shared rng's draws interleave by wall-clock timing, so the count is not fixed by seed.)
    async with BingxSimulator(live(btc_top_median_s=0.1)) as sim, connect(f"{sim.ws_url}/swap-market") as ws:
        await subscribe(ws, "BTC-USDT@bookTicker")
        got = await frames_for(ws, 6.0)
    tops = [(m["data"]["b"], m["data"]["B"], m["data"]["a"], m["data"]["A"]) for _, m in got]
    assert 18 <= len(tops) <= 150, "pushes at the top-change cadence, not the 500/s market (3,000 in 6 s)"
    assert all(a != b for a, b in itertools.pairwise(tops)), "a push means the top changed"
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(got)]
    assert 0.05 < statistics.median(gaps) < 0.2, "gaps follow the configured median (0.1 s)"


async def test_incr_depth_is_a_snapshot_then_diffs_of_the_book_the_book_ticker_shows() -> None:
    async with BingxSimulator(live(btc_top_median_s=0.4)) as sim, connect(f"{sim.ws_url}/swap-market") as ws:
        sent_at = await subscribe(ws, "BTC-USDT@bookTicker", "BTC-USDT@incrDepth")
        got = await frames_for(ws, 5.0)
    depth = [(t, m["data"]) for t, m in got if m["dataType"] == "BTC-USDT@incrDepth"]
    first_t, snap = depth[0]
    assert snap["action"] == "all" and 0.1 < first_t - sent_at < 0.5, "the snapshot comes ~0.2 s after the ack"
    assert 100 < len(snap["bids"]) <= 1024 and len(snap["asks"]) <= 1024
    bids = [Decimal(p) for p, _ in snap["bids"]]
    asks = [Decimal(p) for p, _ in snap["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks), "snapshot: bids descending, asks ascending"
    book = {"bids": {Decimal(p): s for p, s in snap["bids"]}, "asks": {Decimal(p): s for p, s in snap["asks"]}}
    last_id, skips, last_ticker, checked = snap["lastUpdateId"], [], None, 0
    for _, msg in got:
        if msg["dataType"] == "BTC-USDT@bookTicker":
            d = msg["data"]
            last_ticker = (d["b"], d["B"], d["a"], d["A"])
            continue
        data = msg["data"]
        if data["action"] == "all":
            continue
        skips.append(data["lastUpdateId"] - last_id)
        last_id = data["lastUpdateId"]
        update_asks = [Decimal(p) for p, _ in data["asks"]]
        assert update_asks == sorted(update_asks, reverse=True), "updates list asks worst-first"
        for side in ("bids", "asks"):
            for price, size in data[side]:
                if size == "0.0000":
                    book[side].pop(Decimal(price), None)
                else:
                    book[side][Decimal(price)] = size
        assert max(book["bids"]) < min(book["asks"]), "never a crossed book"
        if last_ticker is not None:
            assert top_of(book) == last_ticker, "the book's top is what the bookTicker last said"
            checked += 1
    assert skips[0] == 1, "the first update is the snapshot's id + 1"
    assert all(1 <= s <= 9 for s in skips) and any(s >= 2 for s in skips[1:]), skips
    assert checked >= 5


async def test_depth_snapshots_every_200_ms_for_btc_whatever_the_name_says_and_resent_unchanged() -> None:
    async with BingxSimulator(live(btc_top_median_s=60.0)) as sim, connect(f"{sim.ws_url}/swap-market") as ws:
        await subscribe(ws, "BTC-USDT@depth5@500ms")
        got = await frames_for(ws, 3.0)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(got)]
    assert 0.15 < statistics.median(gaps) < 0.3
    books = [(m["data"]["bids"], m["data"]["asks"]) for _, m in got]
    assert any(a == b for a, b in itertools.pairwise(books)), "identical books are resent"
    asks = [Decimal(p) for p, _ in got[0][1]["data"]["asks"]]
    assert len(asks) == 5 and asks == sorted(asks, reverse=True)


async def test_a_thin_name_updates_no_faster_than_its_interval() -> None:
    async with BingxSimulator(live(symbols=20)) as sim, connect(f"{sim.ws_url}/swap-market") as ws:
        thin = f"{sim.instruments[-1].base}-USDT"  # the last rank: the quietest name
        assert sim.cadences[thin].incr_ms == 750
        await subscribe(ws, f"{thin}@incrDepth")
        times: list[float] = []
        with anyio.fail_after(60):  # a quiet spell can hold a thin book silent for ~21 s
            while len(times) < 4:
                text = gzip.decompress(await ws.recv()).decode()  # type: ignore[arg-type]
                if text == "Ping":
                    await ws.send("Pong")
                elif '"action":"update"' in text:
                    times.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) > 0.6, f"never faster than its 750 ms interval: {gaps}"


async def test_injected_events_are_sent_as_injected_under_the_live_profile() -> None:
    async with (
        BingxSimulator(live(market=False)) as sim,
        connect(f"{sim.ws_url}/swap-market") as ws,
    ):
        await subscribe(ws, "BTC-USDT@bookTicker")
        with anyio.fail_after(5):
            while not sim.topic_index:
                await anyio.sleep(0.005)
        quote = sim.market.quote("BTC", int(time.time() * 1000))
        sim.publish(quote)
        got = await frames_for(ws, 0.5)
    assert [(m["data"]["b"], m["data"]["a"]) for _, m in got] == [(quote.bid, quote.ask)]
