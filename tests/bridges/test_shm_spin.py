"""The remote_shm reader's spin option: ticks arrive without wake-ups, the reactor's other tasks still run, and a
writer that stops beating still makes prices stale."""

from __future__ import annotations

import secrets
from decimal import Decimal

import anyio
import pytest

from tests.support.bridge_quotes import write_quote
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.shm_table import ShmTableWriter
from violet.domain import Freshness

pytestmark = pytest.mark.anyio
ASSET = "BTCUSDT-PERP"


def _write(writer: ShmTableWriter, n: int) -> None:
    write_quote(writer, ASSET, n)
    writer.heartbeat()  # no wake(): a spinning reader must not need one


async def test_a_spinning_reader_needs_no_wake_ups_and_shares_the_loop() -> None:
    bridge = f"sp{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, [ASSET])
    try:
        settings = RemoteShmSettings(
            bridge=bridge, venue="binance", assets=(ASSET,), heartbeat_timeout_ns=200_000_000, spin=True
        )
        writer.heartbeat()  # a remote reader is ready once its writer beats
        async with RemoteShmPriceFeed(settings) as feed, feed.subscribe([ASSET]) as stream:
            other_task_ran = 0

            async def reactor_work() -> None:
                nonlocal other_task_ran
                while True:
                    other_task_ran += 1
                    await anyio.sleep(0.001)

            writer.heartbeat()
            with anyio.fail_after(5):
                while feed.attaches < 1:
                    await anyio.sleep(0.001)
            async with anyio.create_task_group() as tg:
                tg.start_soon(reactor_work)
                for n in range(1, 6):
                    _write(writer, n)
                    with anyio.fail_after(5):
                        tick = await stream.__anext__()
                    assert tick.bid == Decimal(f"{100 + n}.1")
                assert feed.latest(ASSET).fresh
                assert other_task_ran > 0, "spinning yields to the reactor's tasks"
                # The writer stops beating (hung feed): down within the heartbeat timeout, spin or not. The verdict
                # says so (FEED_DOWN); the quote's own budget would have made it too old only later.
                with anyio.fail_after(5):
                    while feed.latest(ASSET).fresh:
                        await anyio.sleep(0.01)
                assert feed.latest(ASSET).freshness is Freshness.FEED_DOWN
                tg.cancel_scope.cancel()
    finally:
        writer.close()
