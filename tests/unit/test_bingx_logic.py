"""The BingX adapter's logic against a scripted peer: acks, refusals, heartbeats, stalls, reconnects, no sockets."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import anyio
import pytest

from tests.support.waiting import eventually
from violet.adapters.bingx import Backoff, BingxPriceFeed, BingxSettings
from violet.adapters.bingx.scripted import ScriptedBingx, ScriptedConnection, frame, now_ms
from violet.domain import FeedNotReady, FeedState, Freshness, ManualClock, TickKind, UnknownAsset

pytestmark = pytest.mark.anyio
BTC = "BTCUSDT-PERP"
MS = 1_000_000
ETH = "ETHUSDT-PERP"


def feed_on(
    peer: ScriptedBingx, assets: tuple[str, ...], clock: ManualClock | None = None, **kw: object
) -> BingxPriceFeed:
    settings = BingxSettings(
        assets=assets,
        subscribe_per_s=1000.0,
        **{"quote_source": "bookTicker", "backoff": Backoff(0.001, 0.01, 0.0), **kw},  # type: ignore[arg-type]
    )
    return BingxPriceFeed(settings, clock=clock, connector=peer, contracts=peer)


async def test_entering_returns_once_every_topic_is_acked_and_ticks_then_flow() -> None:
    peer = ScriptedBingx(("BTC-USDT", "ETH-USDT"))
    async with feed_on(peer, (BTC, ETH)) as feed:
        assert feed.state is FeedState.LIVE
        conn = peer.connections[0]
        assert sorted(conn.topics) == ["BTC-USDT@bookTicker", "BTC-USDT@trade", "ETH-USDT@bookTicker", "ETH-USDT@trade"]
        assert feed.unconfirmed_assets() == []
        conn.book("BTC-USDT", "100.5", "100.6")
        conn.trade("BTC-USDT", "100.55")
        tick = feed.latest(BTC).tick
        assert tick is not None and str(tick.last) == "100.55"


async def test_unanswered_subscriptions_make_entering_fail_naming_the_assets() -> None:
    peer = ScriptedBingx(("BTC-USDT",), ack=False)
    with pytest.raises(FeedNotReady) as caught:
        async with feed_on(peer, (BTC,), ready_timeout_s=0.3, ack_timeout_s=5.0):
            pytest.fail("entered without acks")
    assert caught.value.missing == [BTC]
    assert "socket 0: 1 connects, 2 subscriptions unanswered now, last problems: none" in str(caught.value)


async def test_not_ready_says_the_venue_left_subscriptions_unanswered_and_reconnects() -> None:
    peer = ScriptedBingx(("BTC-USDT",), ack=False)
    with pytest.raises(FeedNotReady) as caught:
        async with feed_on(peer, (BTC,), ready_timeout_s=1.0, ack_timeout_s=0.1):
            pytest.fail("entered without acks")
    why = "2 of 2 subscriptions unanswered 0.1 s after the last was sent (BTC-USDT@bookTicker, BTC-USDT@trade)"
    assert why in caught.value.detail
    assert len(peer.connections) >= 2, "a socket whose acks never came is closed and opened again"


async def test_a_refused_topic_is_not_an_answer_entering_fails_naming_its_asset_topic_and_code() -> None:
    peer = ScriptedBingx(("BTC-USDT", "ETH-USDT"), refuse={"ETH-USDT@trade": 80403})
    with pytest.raises(FeedNotReady) as caught:
        async with feed_on(peer, (BTC, ETH)):
            pytest.fail("entered with a refused topic")
    assert caught.value.missing == [ETH]
    assert caught.value.refused == ["ETH-USDT@trade: 80403 scripted refusal of ETH-USDT@trade"]
    assert "the venue refused ETH-USDT@trade: 80403" in str(caught.value)


async def test_with_drop_asset_a_refused_topic_takes_its_asset_out_of_the_plane_like_a_missing_contract() -> None:
    peer = ScriptedBingx(("BTC-USDT", "ETH-USDT"), refuse={"ETH-USDT@trade": 80403})
    async with feed_on(peer, (BTC, ETH), on_refused_topic="drop-asset") as feed:
        assert [(r.topic, r.code) for r in feed.refusals] == [("ETH-USDT@trade", 80403)]
        assert feed.rejected_by_reason()["subscribe-refused-80403"] == 1
        assert feed.missing_assets == [ETH] and feed.assets() == {BTC}
        with pytest.raises(UnknownAsset):
            feed.latest(ETH)
        conn = peer.connections[0]
        await eventually(lambda: any('"unsub"' in t and "ETH-USDT@bookTicker" in t for t in conn.sent), "unsub")
        conn.trade("ETH-USDT", "2000.1")
        assert feed.rejected_by_reason()["unsubscribed-topic"] == 1, "a leaked frame of a refused topic is dropped"
        conn.book("BTC-USDT", "1", "2")
        assert feed.latest(BTC).fresh and feed.state is FeedState.LIVE


async def test_a_topic_refused_on_a_reconnect_is_down_and_the_plane_degraded_until_it_is_granted_again() -> None:
    peer = ScriptedBingx(("BTC-USDT", "ETH-USDT"))
    async with feed_on(peer, (BTC, ETH), refused_retry_s=0.05) as feed:
        peer.connections[0].book("ETH-USDT", "3", "4")
        peer.refuse = {"ETH-USDT@bookTicker": 80015}
        peer.connections[0].drop(1011)
        second = await peer.connection(1)
        await eventually(lambda: feed.state is FeedState.DEGRADED, "the socket back, one topic refused")
        second.book("BTC-USDT", "1", "2")
        second.book("ETH-USDT", "3.5", "4.5")
        assert feed.rejected_by_reason()["unsubscribed-topic"] == 1
        assert feed.latest(BTC, kind=TickKind.QUOTE).fresh
        assert feed.latest(ETH, kind=TickKind.QUOTE).freshness is Freshness.FEED_DOWN
        assert feed.assets_down() == [ETH] and feed.counters().assets_down == 1
        peer.refuse = {}  # the venue grants it again: asked for again, without a reconnect
        await eventually(lambda: feed.state is FeedState.LIVE, "the refused topic granted when asked again")
        assert len(peer.connections) == 2, "no reconnect needed"
        second.book("ETH-USDT", "3.6", "4.6")
        assert feed.latest(ETH, kind=TickKind.QUOTE).fresh


async def test_one_dropped_socket_leaves_the_other_sockets_assets_fresh_and_the_plane_degraded() -> None:
    peer = ScriptedBingx(("BTC-USDT", "ETH-USDT"))
    async with feed_on(peer, (BTC, ETH), topics_per_socket=2, ack_timeout_s=0.2) as feed:
        btc_conn, eth_conn = sorted(peer.connections, key=lambda c: c.topics[0])
        btc_conn.book("BTC-USDT", "1", "2")
        eth_conn.book("ETH-USDT", "3", "4")
        peer.ack = False  # the dropped socket's way back stays open until the test lets the venue answer
        eth_conn.drop(1011)
        await eventually(lambda: feed.state is FeedState.DEGRADED, "one socket down")
        assert feed.latest(BTC).fresh, "a healthy socket's asset is never withheld"
        assert feed.latest(ETH).freshness is Freshness.FEED_DOWN
        assert feed.carriers() == {"socket 0": True, "socket 1": False}
        counters = feed.counters()
        assert (counters.reconnects, counters.carrier_outages, counters.assets_down) == (0, 1, 1)
        peer.ack = True
        await eventually(lambda: feed.state is FeedState.LIVE, "the socket back")
        assert feed.latest(ETH).freshness is Freshness.BEFORE_OUTAGE
        peer.open_connections()[-1].book("ETH-USDT", "3.5", "4.5")
        assert feed.latest(ETH).fresh


async def test_a_venue_that_closes_every_socket_soon_after_subscribing_gets_exponentially_spaced_attempts() -> None:
    peer = ScriptedBingx(("BTC-USDT",))
    attempts = 7
    async with feed_on(peer, (BTC,), backoff=Backoff(0.02, 10.0, 0.0)) as feed:
        opened = [anyio.current_time()]
        for n in range(attempts):
            peer.connections[n].drop(1011)  # accepted, subscribed, answered, then closed at once
            await peer.connection(n + 1)
            opened.append(anyio.current_time())
            await eventually(lambda: feed.state is FeedState.LIVE, "subscribed again")
    gaps = [b - a for a, b in itertools.pairwise(opened)]
    # Waits of 0.02, 0.04, ... 1.28 s: their sum is a floor however slow the machine (a reset after every session,
    # the old rule, reconnects at once each time).
    assert sum(gaps) >= 0.02 * (2**attempts - 1), gaps
    assert gaps[-1] >= 0.02 * 2 ** (attempts - 1), gaps


async def test_an_offline_contract_is_missing_and_not_subscribed() -> None:
    peer = ScriptedBingx(("BTC-USDT", "SOL-USDT"), offline=("SOL-USDT",))
    async with feed_on(peer, (BTC, "SOLUSDT-PERP")) as feed:
        assert feed.missing_assets == ["SOLUSDT-PERP"]
        assert all(not t.startswith("SOL-") for t in peer.connections[0].topics)


async def test_both_heartbeat_shapes_are_answered() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,)):
        conn = peer.connections[0]
        conn.ping()
        conn.push(frame({"ping": "abc", "time": "2026-11-30T10:00:00.000+0800"}))
        assert conn.sent[-2] == "Pong"
        assert conn.sent[-1] == '{"pong":"abc","time":"2026-11-30T10:00:00.000+0800"}'


async def test_a_book_whose_match_time_lags_is_stale_and_not_served() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,), max_book_lag_ms=1000) as feed:
        e = now_ms()
        peer.connections[0].book("BTC-USDT", "1", "2", event_ms=e, match_ms=e - 60_000)
        assert feed.rejected_by_reason()["stale-book"] == 1
        assert feed.latest(BTC).tick is None


async def test_undecodable_frames_are_counted_by_reason_and_the_socket_is_kept() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,)) as feed:
        conn = peer.connections[0]
        conn.push("text")
        conn.push(b"\x1f\x8b garbage")
        conn.push(frame("{not json"))
        conn.book("BTC-USDT", "2", "1")  # crossed
        reasons = ("text-frame", "corrupt-gzip", "not-json", "CrossedQuote")
        assert [feed.rejected_by_reason().get(k) for k in reasons] == [1, 1, 1, 1]
        assert not conn.closed and feed.state is FeedState.LIVE


async def test_a_dropped_socket_makes_its_assets_stale_then_resubscribes_and_recovers() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,)) as feed:
        first = peer.connections[0]
        first.book("BTC-USDT", "1", "2")
        assert feed.latest(BTC).fresh
        first.drop(1011)
        second = await peer.connection(1)
        await eventually(lambda: feed.state is FeedState.LIVE and second.topics, "the second socket to be live")
        assert sorted(second.topics) == ["BTC-USDT@bookTicker", "BTC-USDT@trade"]
        assert feed.shards[0].connects == 2
        second.book("BTC-USDT", "1.5", "2.5")
        reading = feed.latest(BTC)
        assert reading.fresh and reading.tick is not None and str(reading.tick.bid) == "1.5"


async def test_a_dropped_socket_is_stale_until_the_venue_answers_again() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,)) as feed:
        peer.connections[0].book("BTC-USDT", "1", "2")
        peer.ack = False  # the venue will not answer the resubscription
        peer.connections[0].drop()
        await peer.connection(1)
        await eventually(lambda: feed.state is FeedState.RECONNECTING, "the feed to report the outage")
        assert feed.latest(BTC).freshness is Freshness.FEED_DOWN, "a quote from before the drop is not served as fresh"
        assert feed.unconfirmed_assets() == [BTC]


async def test_connect_failures_are_retried_until_one_succeeds() -> None:
    peer = ScriptedBingx()
    peer.failing_connects = 3
    async with feed_on(peer, (BTC,)) as feed:
        assert feed.shards[0].connects == 1 and len(peer.connections) == 1


def stall_watched(peer: ScriptedBingx, clock: ManualClock) -> BingxPriceFeed:
    """Quotes stall after 40 ms on `clock`; the venue's own timestamps are not judged (the clock is not wall time)."""
    return feed_on(peer, (BTC,), clock, stall_after_s={"bookTicker": 0.04, "trade": 60.0}, venue_clock_skew_ns=None)


async def test_silence_beyond_the_stall_threshold_on_the_injected_clock_replaces_the_socket() -> None:
    clock = ManualClock()
    peer = ScriptedBingx()
    async with stall_watched(peer, clock) as feed:
        first = peer.connections[0]
        first.ping()  # heartbeats are not data: they do not hold off the stall watch
        await anyio.sleep(0.05)  # real time passes; the injected clock does not: no stall yet
        assert not first.closed
        clock.advance(41_000_000)
        await eventually(lambda: first.closed, "the stalled socket to be closed")
        assert first.close_reason == b"stalled"
        assert feed.rejected_by_reason()["stalled-socket"] == 1
        await peer.connection(1)


async def test_data_within_the_threshold_keeps_the_socket() -> None:
    clock = ManualClock()
    peer = ScriptedBingx()
    async with stall_watched(peer, clock) as feed:
        conn = peer.connections[0]
        for _ in range(5):
            clock.advance(30_000_000)
            conn.book("BTC-USDT", "1", "2")
            await anyio.sleep(0.015)  # longer than the watch's period (stall/4), so the watch looks each time
        assert not conn.closed and feed.rejected_by_reason().get("stalled-socket", 0) == 0


# -- the book quote source ------------------------------------------------------------------------------------
def book_feed(peer: ScriptedBingx) -> BingxPriceFeed:
    return feed_on(peer, (BTC,), quote_source="book")


SNAP_BIDS = [("100.0", "1.0000"), ("99.9", "2.0000")]
SNAP_ASKS = [("100.2", "1.0000"), ("100.3", "2.0000")]


async def test_the_book_source_quotes_the_top_of_a_book_kept_from_incr_depth() -> None:
    peer = ScriptedBingx()
    async with book_feed(peer) as feed:
        conn = peer.connections[0]
        assert sorted(conn.topics) == ["BTC-USDT@incrDepth", "BTC-USDT@trade"]
        t = now_ms()
        conn.incr("BTC-USDT", "all", 10, SNAP_BIDS, SNAP_ASKS, time_ms=t)
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is not None and (str(quote.bid), str(quote.ask)) == ("100.0", "100.2")
        # ids skip forward (as live); asks worst-first; "0.0000" deletes the best ask
        asks = [("100.3", "3.0000"), ("100.2", "0.0000")]
        conn.incr("BTC-USDT", "update", 14, [("100.1", "0.5000")], asks, time_ms=t + 200)
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is not None and (str(quote.bid), str(quote.ask)) == ("100.1", "100.3")
        before = quote.mono_ns
        conn.incr("BTC-USDT", "update", 17, [("99.0", "1.0000")], [], time_ms=t + 400)  # deep change, same top
        again = feed.latest(BTC, kind=TickKind.QUOTE)
        assert again.fresh and again.tick is not None and again.tick.ts_event > quote.ts_event
        assert again.tick.mono_ns >= before


async def test_the_depth5_source_quotes_the_best_levels_whatever_their_order() -> None:
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,), quote_source="depth5") as feed:
        conn = peer.connections[0]
        assert sorted(conn.topics) == ["BTC-USDT@depth5@500ms", "BTC-USDT@trade"]

        def depth(bids: list[list[str]], asks: list[list[str]], ts: int) -> None:
            data = {"bids": bids, "asks": asks}
            conn.push(frame({"code": 0, "dataType": "BTC-USDT@depth5@500ms", "ts": ts, "data": data}))

        t = now_ms()
        # The venue lists asks worst-first; bids are taken by price, not position, too.
        depth([["99.8", "1"], ["100.0", "1"], ["99.9", "1"]], [["100.4", "1"], ["100.3", "1"], ["100.2", "1"]], t)
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is not None and (str(quote.bid), str(quote.ask), quote.ts_event) == ("100.0", "100.2", t * MS)
        depth([["100.0", "1"]], [], t + 500)  # one side empty: nothing to quote, and nothing wrong
        assert feed.counters().received == 1 and feed.rejected_by_reason() == {}


@contextlib.asynccontextmanager
async def book_from_snapshot(peer: ScriptedBingx, t: int) -> AsyncIterator[tuple[BingxPriceFeed, ScriptedConnection]]:
    """A book feed whose first socket has had BTC's snapshot (id 10, SNAP_BIDS / SNAP_ASKS, at `t` ms)."""
    async with book_feed(peer) as feed:
        conn = peer.connections[0]
        conn.incr("BTC-USDT", "all", 10, SNAP_BIDS, SNAP_ASKS, time_ms=t)
        yield feed, conn


async def test_a_new_socket_starts_every_book_again_from_its_snapshot() -> None:
    peer = ScriptedBingx()
    t = now_ms()
    async with book_from_snapshot(peer, t) as (feed, first):
        first.drop(1011)
        second = await peer.connection(1)
        await eventually(lambda: feed.state is FeedState.LIVE and second.topics, "the second socket to be live")
        # An update before the new socket's snapshot: the old socket's book is gone, so it cannot apply.
        second.incr("BTC-USDT", "update", 11, [("100.1", "1.0000")], [], time_ms=t + 200)
        assert feed.rejected_by_reason() == {"book-no-snapshot": 1}
        await eventually(lambda: "BTC-USDT@incrDepth" in feed.shards[0].accepted, "the resubscription acked")
        second.incr("BTC-USDT", "all", 20, SNAP_BIDS, SNAP_ASKS, time_ms=t + 400)
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is not None and (str(quote.bid), quote.ts_event) == ("100.0", (t + 400) * MS)


async def test_frames_in_flight_after_a_bad_book_do_not_ask_for_the_topic_again_until_its_snapshot_comes() -> None:
    # Every request counts against the venue's limit of 10 a second per socket: a pair per in-flight frame of a
    # busy book would get the socket dropped.
    t = now_ms()
    async with book_from_snapshot(ScriptedBingx(), t) as (feed, conn):
        conn.incr("BTC-USDT", "update", 11, [("100.5", "1.0000")], [], time_ms=t)  # crossed: asked for again
        await eventually(lambda: "BTC-USDT@incrDepth" in feed.shards[0].accepted, "the resubscription acked")
        for n in range(3):  # acked, and updates come before the snapshot
            conn.incr("BTC-USDT", "update", 12 + n, [("99.0", "1.0000")], [], time_ms=t + n)
        assert feed.rejected_by_reason() == {"book-crossed": 1, "book-no-snapshot": 3}
        assert sum('"unsub"' in sent for sent in conn.sent) == 1
        assert conn.topics.count("BTC-USDT@incrDepth") == 2
        conn.incr("BTC-USDT", "all", 20, SNAP_BIDS, SNAP_ASKS, time_ms=t + 10)
        assert feed.latest(BTC, kind=TickKind.QUOTE).fresh
        conn.incr("BTC-USDT", "update", 20, [("99.0", "1.0000")], [], time_ms=t + 11)  # stale id: a new episode
        # Sent through the socket's send window, by the session's requester: waited for, not assumed at once.
        await eventually(lambda: sum('"unsub"' in sent for sent in conn.sent) == 2, "once answered, a new fault asks")


async def test_a_snapshot_that_never_comes_is_asked_for_again_after_the_ack_timeout() -> None:
    clock = ManualClock()
    peer = ScriptedBingx()
    async with feed_on(peer, (BTC,), clock, quote_source="book", venue_clock_skew_ns=None) as feed:
        conn = peer.connections[0]
        conn.incr("BTC-USDT", "update", 5, [("100.0", "1.0000")], [])  # no snapshot yet: asked for again
        await eventually(lambda: "BTC-USDT@incrDepth" in feed.shards[0].accepted, "the resubscription acked")
        conn.incr("BTC-USDT", "update", 6, [("100.0", "1.0000")], [])
        assert sum('"unsub"' in sent for sent in conn.sent) == 1
        clock.advance(10 * 1_000_000_000)  # ack_timeout_s
        conn.incr("BTC-USDT", "update", 7, [("100.0", "1.0000")], [])
        await eventually(lambda: sum('"unsub"' in sent for sent in conn.sent) == 2, "asked for again")


async def test_two_book_updates_in_one_millisecond_that_keep_the_top_are_one_tick_and_no_rejection() -> None:
    t = now_ms()
    async with book_from_snapshot(ScriptedBingx(), t) as (feed, conn):
        conn.incr("BTC-USDT", "update", 12, [("99.0", "1.0000")], [], time_ms=t)  # deep change, same ms, same top
        conn.incr("BTC-USDT", "update", 13, [("100.1", "1.0000")], [], time_ms=t)  # same ms, a new top
        assert feed.counters().received == 2
        assert feed.rejected_by_reason() == {}
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is not None and (str(quote.bid), str(quote.ask)) == ("100.1", "100.2")


@pytest.mark.parametrize(
    ("pushes", "reason"),
    [
        ([("update", 5, [("100.0", "1.0000")], [("100.2", "1.0000")])], "book-no-snapshot"),
        ([("all", 10, SNAP_BIDS, SNAP_ASKS), ("update", 10, [("99.8", "1.0000")], [])], "book-stale-id"),
        ([("all", 10, SNAP_BIDS, SNAP_ASKS), ("update", 11, [("100.5", "1.0000")], [])], "book-crossed"),
        ([("all", 10, SNAP_BIDS, SNAP_ASKS), ("update", 11, [("abc", "1.0000")], [])], "book-bad-level"),
    ],
    ids=["before-snapshot", "id-not-newer", "crossed", "bad-level"],
)
async def test_a_book_that_cannot_be_trusted_is_counted_resubscribed_and_never_delivered(
    pushes: list[tuple[str, int, list[tuple[str, str]], list[tuple[str, str]]]], reason: str
) -> None:
    peer = ScriptedBingx()
    async with book_feed(peer) as feed:
        conn = peer.connections[0]
        for action, last_id, bids, asks in pushes:
            conn.incr("BTC-USDT", action, last_id, bids, asks)
        assert feed.rejected_by_reason()[reason] == 1
        quote = feed.latest(BTC, kind=TickKind.QUOTE).tick
        assert quote is None or (quote.bid, quote.ask) == (Decimal("100.0"), Decimal("100.2")), "nothing bad served"
        await eventually(lambda: "BTC-USDT@incrDepth" in feed.shards[0].accepted, "the resubscription acked")
        unsub = [json.loads(t) for t in conn.sent if '"unsub"' in t]
        assert [u["dataType"] for u in unsub] == ["BTC-USDT@incrDepth"], "the topic is asked for again"
        assert conn.topics.count("BTC-USDT@incrDepth") == 2
        assert not feed.shards[0].unsubscribing, "the unsubscription's ack was matched, not left waiting"
        assert "unexpected-ack" not in feed.rejected_by_reason(), "the unsub's ack is expected, not a fault"
        conn.incr("BTC-USDT", "all", 50, SNAP_BIDS, SNAP_ASKS)
        assert feed.latest(BTC, kind=TickKind.QUOTE).fresh, "a fresh snapshot restores the quotes"
