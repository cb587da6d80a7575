"""A remote plane fed by several feed processes (shards): each shard's liveness decides its own assets' verdicts,
and the plane is live while any shard is. One shard is the unsharded case, with the behaviour it always had."""

from __future__ import annotations

from collections.abc import Sequence

import anyio

from violet.delivery.tick_hub import TickHub
from violet.domain import FeedState


class ShardLiveness:
    def __init__(self, hub: TickHub, slices: Sequence[Sequence[str]]) -> None:
        self._hub = hub
        self.slices = tuple(tuple(s) for s in slices)
        self._alive = [False] * len(self.slices)
        self._seen = [False] * len(self.slices)
        self.all_seen = anyio.Event()
        """Set once every shard has been live: the plane's readiness (every asset has a publisher)."""

    @property
    def alive(self) -> tuple[bool, ...]:
        return tuple(self._alive)

    def up(self, shard: int) -> None:
        if self._alive[shard]:
            return
        hub = self._hub
        self._alive[shard] = True
        self._seen[shard] = True
        hub.mark_up(self.slices[shard])
        if hub.state is not FeedState.LIVE and hub.state is not FeedState.CLOSED:
            hub.set_state(FeedState.LIVE)
        if all(self._seen):
            self.all_seen.set()

    def down(self, shard: int) -> None:
        """The shard's feed stopped beating (died, hung, lost its venue): its assets are down until it is back and
        new data arrives; the others are untouched. The last live shard going down takes the plane down."""
        if not self._alive[shard]:
            return
        hub = self._hub
        self._alive[shard] = False
        hub.mark_down(self.slices[shard])
        if not any(self._alive):
            if hub.state is FeedState.LIVE:
                hub.set_state(FeedState.RECONNECTING)
        else:
            hub.counters.reconnects += 1  # an outage of part of the plane, counted like the plane's own

    def unready_assets(self) -> list[str]:
        return sorted(a for shard, assets in enumerate(self.slices) if not self._seen[shard] for a in assets)
