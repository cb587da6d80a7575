"""What the Hazelcast reader makes of each value the map hands it, without a member: repeats are not news, a
restarted writer's counters start again, a value under another asset's key is refused, a snapshot value is as old
as its publication, and an asset's records are taken in publication order."""

from __future__ import annotations

import time

from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.bridges.hz_payload import encode
from violet.bridges.record import BridgeRecord
from violet.domain import Freshness, TickKind

BTC = "BTCUSDT-PERP"


def _reader() -> RemoteHzPriceFeed:
    return RemoteHzPriceFeed(
        RemoteHzSettings(map_name="values", venue="binance", assets=(BTC,), cluster_name="none", members=())
    )


def _record(
    kind: str,
    *,
    updates: int,
    published_ns: int,
    bid: str = "100.0",
    last: str = "100.5",
    received_ns: int | None = None,
) -> BridgeRecord:
    quote = kind != "trade"
    return BridgeRecord(
        asset=BTC,
        kind=kind,
        venue="binance",
        bid=bid if quote else None,
        ask="100.1" if quote else None,
        last=last if kind != "quote" else None,
        ts_event=time.time_ns(),
        received_ns=published_ns if received_ns is None else received_ns,
        published_ns=published_ns,
        updates=updates,
    )


def test_a_value_seen_again_is_not_news_and_a_newer_one_counts_what_it_skipped() -> None:
    feed = _reader()
    now = time.time_ns()
    feed._on_value(encode(7, (_record("quote", updates=1, published_ns=now),)), BTC)
    feed._on_value(encode(7, (_record("quote", updates=1, published_ns=now),)), BTC)
    assert (feed.counters().received, feed.counters().rejected) == (1, 0)
    feed._on_value(encode(7, (_record("quote", updates=4, published_ns=now + 1, bid="99.9"),)), BTC)
    assert (feed.counters().received, feed.counters().conflated) == (2, 2)


def test_a_restarted_writer_is_news_though_its_counters_start_again() -> None:
    feed = _reader()
    now = time.time_ns()
    feed._on_value(encode(7, (_record("quote", updates=50, published_ns=now),)), BTC)
    feed._on_value(encode(8, (_record("quote", updates=1, published_ns=now + 1, bid="99.9"),)), BTC)
    assert feed.counters().received == 2
    tick = feed.latest(BTC).tick
    assert tick is not None and str(tick.bid) == "99.9"


def test_a_value_under_another_assets_key_is_refused() -> None:
    feed = _reader()
    feed._on_value(encode(7, (_record("quote", updates=1, published_ns=time.time_ns()),)), "ETHUSDT-PERP")
    assert feed.counters().received == 0
    assert feed.rejected_by_reason() == {"bridge-key-mismatch": 1}


def test_a_value_is_as_old_as_the_feeds_receive_beyond_the_clock_skew_allowed() -> None:
    feed = _reader()
    feed._on_beat(0)  # the feed shard beats: the reader's verdicts are its own, not "feed down"
    received = time.time_ns() - 5 * 10**9  # held five seconds in the feed and the cluster
    feed._on_value(encode(7, (_record("quote", updates=3, published_ns=received + 10**9, received_ns=received),)), BTC)
    reading = feed.latest(BTC)
    skew = feed._settings.writer_clock_skew_ns
    assert reading.tick is not None and reading.age_ns is not None
    assert reading.age_ns >= 5 * 10**9 - skew, "time in the feed and the bridge is age"
    assert reading.freshness is Freshness.TOO_OLD


def test_a_snapshot_value_is_as_old_as_its_receive() -> None:
    feed = _reader()
    received = time.time_ns() - 5 * 10**9
    feed._on_value(
        encode(7, (_record("quote", updates=3, published_ns=received, received_ns=received),)), BTC, "snapshot"
    )
    reading = feed.latest(BTC)
    assert reading.tick is not None and reading.age_ns is not None and reading.age_ns >= 4 * 10**9


def test_a_read_after_a_reconnect_takes_only_what_moved_on_and_counts_what_it_missed() -> None:
    feed = _reader()
    now = time.time_ns()
    feed._on_value(encode(7, (_record("quote", updates=3, published_ns=now),)), BTC, "snapshot")
    feed._on_value(encode(7, (_record("quote", updates=3, published_ns=now),)), BTC, "resync")
    assert feed.counters().received == 1, "unchanged while away: not news"
    feed._on_value(encode(7, (_record("quote", updates=9, published_ns=now + 1, bid="99.9"),)), BTC, "resync")
    assert (feed.counters().received, feed.counters().conflated) == (2, 5), "five updates missed while away"
    tick = feed.latest(BTC).tick
    assert tick is not None and str(tick.bid) == "99.9"


def test_an_assets_records_are_taken_in_publication_order() -> None:
    feed = _reader()
    now = time.time_ns()
    newer_quote = _record("quote", updates=1, published_ns=now + 1_000)
    older_trade = _record("trade", updates=1, published_ns=now)
    feed._on_value(encode(7, (newer_quote, older_trade)), BTC)
    newest = feed.latest(BTC).tick
    assert newest is not None and newest.kind is TickKind.QUOTE, "the last taken is the last published"


def test_a_loop_that_falls_behind_the_listener_finds_each_keys_newest_value_not_a_queue() -> None:
    import asyncio
    from types import SimpleNamespace

    from violet.bridges.hz_payload import heartbeat_key

    feed = _reader()
    loop = asyncio.new_event_loop()  # not running yet: everything the listener hands over waits, as behind a burst
    try:
        feed._loop = loop
        now = time.time_ns()
        for n in range(1, 10_001):
            value = encode(7, (_record("quote", updates=n, published_ns=now + n, bid=f"{90 + n / 1000:.3f}"),))
            feed._on_event(SimpleNamespace(key=BTC, value=value))
            feed._on_event(SimpleNamespace(key=heartbeat_key(0, 1), value=b""))
        assert len(feed._newest) == 1 and set(feed._beaten) == {0}, "held: one value per key, not one per event"
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    counters = feed.counters()
    assert (counters.received, counters.conflated) == (1, 9_999), "the newest taken, what it replaced counted"
    reading = feed.latest(BTC)
    assert reading.tick is not None and str(reading.tick.bid) == "100.000"
    assert reading.freshness is Freshness.FRESH, "the shard's beat was taken with it"
