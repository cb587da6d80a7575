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
