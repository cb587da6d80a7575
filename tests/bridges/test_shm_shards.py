"""A sharded plane over shared memory: one table per feed shard, merged by one reader; a shard that stops beating
makes only its own assets stale, and its restart (a new table generation) makes them fresh again."""

from __future__ import annotations

import secrets
import time

import anyio
import attrs
import pytest

from tests.support.bridge_quotes import write_quote
from tests.support.waiting import eventually
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.record import quote_now
from violet.bridges.shm_layout import LayoutError, segment_name
from violet.bridges.shm_table import ShmTableReader, ShmTableWriter
from violet.domain import FeedNotReady, FeedState, Freshness, TickKind

pytestmark = pytest.mark.anyio
SLICES = (("BTCUSDT-PERP", "SOLUSDT-PERP"), ("ETHUSDT-PERP",))
ASSETS = tuple(a for s in SLICES for a in s)


def quote_freshness(feed: RemoteShmPriceFeed) -> dict[str, Freshness]:
    return {a: feed.latest(a, kind=TickKind.QUOTE).freshness for a in ASSETS}


async def test_a_dead_shard_takes_only_its_assets_down_and_its_restart_brings_them_back() -> None:
    bridge = f"sh{secrets.token_hex(3)}"
    writers = [ShmTableWriter(bridge, s, shard=i, shards=2) for i, s in enumerate(SLICES)]
    assert len({w.name for w in writers}) == 2, "one table per shard"
    settings = RemoteShmSettings(
        bridge=bridge, venue="binance", assets=ASSETS, heartbeat_timeout_ns=300_000_000, shards=SLICES
    )
    restarted: ShmTableWriter | None = None
    try:
        beating = [True, True]

        async def beat() -> None:
            n = 0
            while True:
                n += 1
                for i, w in enumerate([writers[0], restarted or writers[1]]):
                    if beating[i]:
                        for asset in SLICES[i]:
                            write_quote(w, asset, n)
                        w.heartbeat()
                        w.wake()
                await anyio.sleep(0.02)

        async with anyio.create_task_group() as tg:
            tg.start_soon(beat)
            async with RemoteShmPriceFeed(settings) as feed:
                await eventually(lambda: set(quote_freshness(feed).values()) == {Freshness.FRESH}, "all fresh")
                reconnects, outages = feed.counters().reconnects, feed.counters().carrier_outages

                beating[1] = False  # shard 1 hangs (a SIGKILLed feed stops beating the same way)
                await eventually(
                    lambda: quote_freshness(feed)["ETHUSDT-PERP"] is Freshness.FEED_DOWN, "shard 1's asset down"
                )
                assert feed.state is FeedState.DEGRADED, "the plane works, short of one shard's assets"
                assert feed.assets_down() == sorted(SLICES[1])
                assert quote_freshness(feed)["BTCUSDT-PERP"] is Freshness.FRESH
                assert quote_freshness(feed)["SOLUSDT-PERP"] is Freshness.FRESH
                counters = feed.counters()
                assert counters.carrier_outages == outages + 1, "a shard's outage is counted"
                assert counters.reconnects == reconnects, "not as an outage of the whole plane"

                restarted = ShmTableWriter(bridge, SLICES[1], shard=1, shards=2)  # its restart: a new generation
                beating[1] = True
                await eventually(lambda: set(quote_freshness(feed).values()) == {Freshness.FRESH}, "all fresh again")
                await eventually(lambda: feed.state is FeedState.LIVE, "the plane whole again")
            tg.cancel_scope.cancel()
    finally:
        for w in writers:
            w.close()
        if restarted is not None:
            restarted.close()


async def test_a_writer_that_closes_takes_its_assets_down_at_once_not_after_the_heartbeat_timeout() -> None:
    bridge = f"sh{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, ASSETS)
    settings = RemoteShmSettings(bridge=bridge, venue="binance", assets=ASSETS, heartbeat_timeout_ns=120 * 10**9)
    closed = False
    try:
        writer.heartbeat()
        async with RemoteShmPriceFeed(settings) as feed:
            for asset in ASSETS:  # written after the reader arrived: a value older than the reader is not served
                write_quote(writer, asset, 1)
            writer.wake()
            await eventually(lambda: set(quote_freshness(feed).values()) == {Freshness.FRESH}, "all fresh")
            writer.close()  # a feed stopping cleanly says so in its table (and wakes its readers)
            closed = True
            # Well inside the two-minute heartbeat timeout: only the closed flag can have done it.
            await eventually(
                lambda: set(quote_freshness(feed).values()) == {Freshness.FEED_DOWN}, "all down", timeout_s=20
            )
    finally:
        if not closed:
            writer.close()


async def test_assets_a_feed_adds_while_running_join_the_plane_carried_by_their_shard() -> None:
    bridge = f"sh{secrets.token_hex(3)}"
    writers = [ShmTableWriter(bridge, s, shard=i, shards=2, room=2) for i, s in enumerate(SLICES)]
    settings = RemoteShmSettings(
        bridge=bridge, venue="binance", assets=ASSETS, heartbeat_timeout_ns=300_000_000, shards=SLICES
    )
    doge, xrp = "DOGEUSDT-PERP", "XRPUSDT-PERP"
    beating = [True, True]

    async def beat() -> None:
        n = 0
        while True:
            n += 1
            for i, w in enumerate(writers):
                if beating[i]:
                    for asset in sorted(w.assets):
                        write_quote(w, asset, n)
                    w.heartbeat()
                    w.wake()
            await anyio.sleep(0.02)

    def fresh(feed: RemoteShmPriceFeed, asset: str) -> bool:
        return asset in feed.assets() and feed.latest(asset, kind=TickKind.QUOTE).freshness is Freshness.FRESH

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(beat)
            async with RemoteShmPriceFeed(settings) as feed:
                await eventually(lambda: set(quote_freshness(feed).values()) == {Freshness.FRESH}, "all fresh")
                assert doge not in feed.assets()
                # Room for two: the third is refused by the writer (and never published), not squeezed in.
                assert writers[1].add_assets([doge, xrp, "ADAUSDT-PERP"]) == [doge, xrp]
                assert writers[1].add_assets([doge]) == [], "an asset already there is not added again"
                await eventually(lambda: fresh(feed, doge) and fresh(feed, xrp), "the new listings fresh")
                assert "ADAUSDT-PERP" not in feed.assets()
                # Carried by their shard: its outage takes them down with ETH, and nothing else.
                beating[1] = False
                await eventually(
                    lambda: feed.latest(doge, kind=TickKind.QUOTE).freshness is Freshness.FEED_DOWN, "down with shard 1"
                )
                assert feed.assets_down() == sorted(["ETHUSDT-PERP", doge, xrp])
                assert quote_freshness(feed)["BTCUSDT-PERP"] is Freshness.FRESH
                # A reader that comes after the table grew sees every asset at once.
                late = ShmTableReader(bridge, shard=1, shards=2)
                try:
                    assert late.assets == {"ETHUSDT-PERP", doge, xrp}
                finally:
                    late.close()
            tg.cancel_scope.cancel()
    finally:
        for w in writers:
            w.close()


async def test_every_shard_must_beat_before_the_plane_is_ready() -> None:
    bridge = f"sh{secrets.token_hex(3)}"
    writers = [ShmTableWriter(bridge, s, shard=i, shards=2) for i, s in enumerate(SLICES)]
    settings = RemoteShmSettings(bridge=bridge, venue="binance", assets=ASSETS, shards=SLICES, ready_timeout_s=0.5)
    try:
        writers[0].heartbeat()
        with pytest.raises(FeedNotReady) as caught:
            async with RemoteShmPriceFeed(settings):
                pass
        assert caught.value.missing == ["ETHUSDT-PERP"], "only the silent shard's assets are named"
    finally:
        for w in writers:
            w.close()


def test_a_reader_refuses_a_table_of_another_sharding() -> None:
    bridge = f"sh{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, ["BTCUSDT-PERP"], shard=0, shards=2)
    try:
        assert writer.name == segment_name(bridge, 0, 2)
        with pytest.raises(FileNotFoundError):
            ShmTableReader(bridge)  # the unsharded name does not exist
        reader = ShmTableReader(bridge, shard=0, shards=2)
        reader.close()
    finally:
        writer.close()
    # Same name, another header: what a reader configured for other shards meets.
    other = ShmTableWriter(bridge, ["BTCUSDT-PERP"], shard=0, shards=2)
    try:
        import struct

        from violet.bridges.shm_layout import SHARD_OFFSET

        buf = other._buf  # the header's shard fields, as a writer of another sharding would have written them
        struct.pack_into("<HH", buf, SHARD_OFFSET, 1, 3)
        with pytest.raises(LayoutError, match="shard 1 of 3"):
            ShmTableReader(bridge, shard=0, shards=2)
    finally:
        other.close()


async def test_a_tick_held_in_the_feed_and_the_bridge_longer_than_its_budget_reads_too_old() -> None:
    """Its age counts from the feed process's receive (the host's monotonic clock), not from the reader's read: a
    quote the feed received two budgets ago is not fresh however new it is to the reader."""
    bridge = f"ag{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, ASSETS)
    budget = 1_000_000_000
    settings = RemoteShmSettings(
        bridge=bridge, venue="binance", assets=ASSETS, heartbeat_timeout_ns=10**10, staleness_budget_ns=budget
    )
    try:
        writer.heartbeat()
        async with RemoteShmPriceFeed(settings) as feed:
            held = attrs.evolve(quote_now("BTCUSDT-PERP", "100.1", "100.2"), mono_ns=time.monotonic_ns() - 2 * budget)
            writer.write(held)
            write_quote(writer, "ETHUSDT-PERP", 1)  # received just now: the control
            writer.wake()
            await eventually(lambda: feed.latest("ETHUSDT-PERP").tick is not None, "both read")
            await eventually(lambda: feed.latest("BTCUSDT-PERP").tick is not None, "both read")
            old = feed.latest("BTCUSDT-PERP")
            assert old.freshness is Freshness.TOO_OLD
            assert old.age_ns is not None and old.age_ns >= 2 * budget
            assert feed.latest("ETHUSDT-PERP").fresh
    finally:
        writer.close()
