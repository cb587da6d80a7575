"""Entering a feed is a readiness handshake: it returns once every asset is confirmed upstream, or raises
FeedNotReady naming what is missing, having released whatever it had opened."""

from __future__ import annotations

import secrets

import pytest

from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.shm_table import ShmTableWriter
from violet.bridges.shm_wake import wake_base
from violet.domain import FeedNotReady, FeedState

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


def reader(bridge: str, timeout_s: float) -> RemoteShmPriceFeed:
    return RemoteShmPriceFeed(
        RemoteShmSettings(bridge=bridge, venue="binance", assets=ASSETS, ready_timeout_s=timeout_s)
    )


async def test_a_reader_whose_feed_never_beats_is_not_ready_and_leaves_nothing_open() -> None:
    bridge = f"rd{secrets.token_hex(3)}"
    feed = reader(bridge, 0.3)
    with pytest.raises(FeedNotReady) as raised:
        async with feed:
            pytest.fail("entered a feed that never became ready")
    assert raised.value.missing == sorted(ASSETS)
    assert "not ready after 0.3 s" in str(raised.value)
    assert feed.state is FeedState.CLOSED
    assert not (wake_base() / f"violet-{bridge}-wake").exists(), "what entering opened was released"


async def test_a_reader_is_live_when_entering_returns() -> None:
    bridge = f"rd{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, list(ASSETS))
    try:
        writer.heartbeat()
        async with reader(bridge, 5.0) as feed:
            assert feed.state is FeedState.LIVE, "no polling of the state after entering"
    finally:
        writer.close()
