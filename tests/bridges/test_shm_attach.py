"""A reader that comes to a running feed's table (a reactor restarted beside its feed, or entered after the feed's
shards were ready) starts from what the table holds, as a Hazelcast reader starts from the map's snapshot."""

from __future__ import annotations

import secrets
import time
from decimal import Decimal

import anyio
import pytest

from tests.support.bridge_quotes import write_quote
from tests.support.waiting import eventually
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.shm_table import ShmTableWriter
from violet.domain import Freshness, NormalizedTick, TickKind

pytestmark = pytest.mark.anyio
S = 1_000_000_000
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


async def test_what_the_feed_published_before_the_reader_came_is_its_baseline_aged_by_its_receive() -> None:
    # A quiet name's only quote may be the one already in the table: it is delivered with its own age (fresh while
    # young, too old after), never as news (no late-event refusal, nothing counted as conflated).
    bridge = f"at{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, ASSETS)
    try:
        minute_ago_wall, minute_ago_mono = time.time_ns() - 60 * S, time.monotonic_ns() - 60 * S
        writer.write(
            NormalizedTick(
                venue="binance",
                asset="ETHUSDT-PERP",
                bid=Decimal("3000.1"),
                ask=Decimal("3000.2"),
                ts_event=minute_ago_wall // 1_000_000 * 1_000_000,
                mono_ns=minute_ago_mono,
            )
        )
        write_quote(writer, "BTCUSDT-PERP", 1)
        for _ in range(3):
            write_quote(writer, "BTCUSDT-PERP", 2)  # updates before the reader came: not news to it
        writer.heartbeat()

        async def beat() -> None:  # the feed goes on beating; no asset changes
            while True:
                writer.heartbeat()
                writer.wake()
                await anyio.sleep(0.02)

        settings = RemoteShmSettings(bridge=bridge, venue="binance", assets=ASSETS, staleness_budget_ns=10 * S)
        async with anyio.create_task_group() as tg:
            tg.start_soon(beat)
            async with RemoteShmPriceFeed(settings) as feed:

                def quoted() -> list[str]:
                    return [a for a in ASSETS if feed.latest(a, kind=TickKind.QUOTE).tick is not None]

                await eventually(lambda: quoted() == list(ASSETS), "both quotes from the table")
                btc, eth = (feed.latest(a, kind=TickKind.QUOTE) for a in ASSETS)
                assert btc.freshness is Freshness.FRESH and btc.tick is not None and btc.tick.bid == Decimal("102.1")
                assert eth.freshness is Freshness.TOO_OLD and eth.age_ns is not None and eth.age_ns >= 60 * S
                assert feed.counters().conflated == 0
                assert "late-event" not in feed.rejected_by_reason()
            tg.cancel_scope.cancel()
    finally:
        writer.close()


async def test_a_restarted_feeds_values_written_before_the_reader_switched_to_its_table_reach_the_reader() -> None:
    # The reader finds a restarted feed's new table (a new generation) only once the old one stops beating; what the
    # new feed wrote before that is news to the reader, as its changes would have been: delivered, its earlier
    # updates counted as conflated.
    bridge = f"rs{secrets.token_hex(3)}"
    live = {"writer": ShmTableWriter(bridge, ASSETS), "beating": True}

    async def beat() -> None:
        while True:
            writer = live["writer"]
            assert isinstance(writer, ShmTableWriter)
            if live["beating"]:
                writer.heartbeat()
                writer.wake()
            await anyio.sleep(0.02)

    first = live["writer"]
    assert isinstance(first, ShmTableWriter)
    restarted: ShmTableWriter | None = None
    for asset in ASSETS:
        write_quote(first, asset, 1)
    settings = RemoteShmSettings(
        bridge=bridge, venue="binance", assets=ASSETS, staleness_budget_ns=10 * S, heartbeat_timeout_ns=300_000_000
    )
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(beat)
            async with RemoteShmPriceFeed(settings) as feed:
                await eventually(lambda: feed.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).fresh, "the first feed's")
                live["beating"] = False
                first.close()  # the feed dies: its table goes
                await eventually(
                    lambda: feed.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).freshness is Freshness.FEED_DOWN, "down"
                )
                conflated = feed.counters().conflated
                # Its restart writes in the step that creates its table: no read of this loop can come between.
                restarted = ShmTableWriter(bridge, ASSETS)
                write_quote(restarted, "ETHUSDT-PERP", 7)
                for n in (7, 8, 9):
                    write_quote(restarted, "BTCUSDT-PERP", n)
                live["writer"], live["beating"] = restarted, True

                def quoted_again() -> bool:
                    eth = feed.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).tick
                    btc = feed.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).tick
                    return (
                        eth is not None
                        and eth.bid == Decimal("107.1")
                        and btc is not None
                        and btc.bid == Decimal("109.1")
                    )

                await eventually(quoted_again, "the restarted feed's quotes")
                assert feed.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).fresh
                assert feed.counters().conflated - conflated == 2, "BTC's two earlier updates, skipped"
            tg.cancel_scope.cancel()
    finally:
        if restarted is not None:
            restarted.close()
