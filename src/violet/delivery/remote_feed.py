"""What every bridge-reading ("remote") adapter shares, whatever its bridge: the hub from the plane's settings, one
liveness per feed shard, and readiness once every shard has been live (the feed processes, not this reader, talk to
the venue)."""

from __future__ import annotations

import anyio
import anyio.abc

from violet.delivery.hub_backed import HubBackedFeed
from violet.delivery.remote_settings import RemotePlaneSettings
from violet.delivery.shard_liveness import ShardLiveness
from violet.domain import Clock


class RemoteFeed(HubBackedFeed):
    def __init__(self, settings: RemotePlaneSettings, clock: Clock | None) -> None:
        super().__init__(settings.hub(clock), ready_timeout_s=settings.ready_timeout_s)
        self._liveness = ShardLiveness(self._hub, settings.slices())

    async def _follow(self) -> None:
        """Read the bridge until cancelled, telling `_liveness` which shards are up."""
        raise NotImplementedError

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._follow)
            await self._liveness.all_seen.wait()
            task_status.started()

    def _unready_assets(self) -> list[str]:
        return self._liveness.unready_assets()
