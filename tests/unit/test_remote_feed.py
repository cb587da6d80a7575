"""RemoteFeed on its own: what both bridge readers share (a liveness per feed shard, ready once every shard has been
live), driven by a `_follow` that reports shards as a test tells it to; no bridge, no feed process."""

from __future__ import annotations

import anyio
import pytest

from violet.delivery import RemoteFeed, RemotePlaneSettings
from violet.domain import FeedNotReady, FeedState, ManualClock

pytestmark = pytest.mark.anyio
SLICES = (("BTCUSDT-PERP", "ETHUSDT-PERP"), ("SOLUSDT-PERP",))


class ScriptedRemote(RemoteFeed):
    """Shards come up when the test sends their numbers."""

    def __init__(self, settings: RemotePlaneSettings, shards_up: anyio.abc.ObjectReceiveStream[int]) -> None:
        super().__init__(settings, ManualClock())
        self._shards_up = shards_up

    async def _follow(self) -> None:
        async for shard in self._shards_up:
            self._liveness.up(shard)


def settings(*, ready_timeout_s: float) -> RemotePlaneSettings:
    assets = tuple(a for s in SLICES for a in s)
    return RemotePlaneSettings(venue="binance", assets=assets, shards=SLICES, ready_timeout_s=ready_timeout_s)


async def test_entering_returns_once_every_shard_has_been_live() -> None:
    send, receive = anyio.create_memory_object_stream[int](4)
    feed = ScriptedRemote(settings(ready_timeout_s=30.0), receive)
    send.send_nowait(0)
    send.send_nowait(1)
    async with feed:
        assert feed.state is FeedState.LIVE


async def test_a_shard_never_seen_is_named_in_feed_not_ready() -> None:
    send, receive = anyio.create_memory_object_stream[int](4)
    feed = ScriptedRemote(settings(ready_timeout_s=0.2), receive)
    send.send_nowait(0)
    with pytest.raises(FeedNotReady) as caught:
        async with feed:
            pytest.fail("entered without shard 1")
    assert caught.value.missing == ["SOLUSDT-PERP"]


def test_without_shards_the_plane_is_one_slice() -> None:
    one = RemotePlaneSettings(venue="binance", assets=("BTCUSDT-PERP", "SOLUSDT-PERP"))
    assert one.slices() == (("BTCUSDT-PERP", "SOLUSDT-PERP"),)
    assert settings(ready_timeout_s=1.0).slices() == SLICES
