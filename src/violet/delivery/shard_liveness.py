"""A remote plane fed by several feed processes (shards): each shard is a carrier of its own slice of assets, so its
liveness decides its own assets' verdicts and no other's. One shard is the unsharded case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import anyio

from violet.delivery.carriers import streams_of
from violet.delivery.tick_hub import TickHub


def shard_name(shard: int) -> str:
    return f"feed shard {shard}"


class ShardLiveness:
    def __init__(self, hub: TickHub, slices: Sequence[Sequence[str]]) -> None:
        self._hub = hub
        self.slices = tuple(tuple(s) for s in slices)
        self._alive = [False] * len(self.slices)
        self._seen = [False] * len(self.slices)
        for shard, assets in enumerate(self.slices):
            hub.carry(shard_name(shard), streams_of(assets))
        self.all_seen = anyio.Event()
        """Set once every shard has been live: the plane's readiness (every asset has a publisher)."""

    @property
    def alive(self) -> tuple[bool, ...]:
        return tuple(self._alive)

    def up(self, shard: int) -> None:
        if self._alive[shard]:
            return
        self._alive[shard] = True
        self._seen[shard] = True
        self._hub.carrier_up(shard_name(shard))
        if all(self._seen):
            self.all_seen.set()

    def down(self, shard: int) -> None:
        """The shard's feed stopped beating (died, hung, lost its venue): its assets are down until it is back and
        new data arrives; the other shards' are untouched."""
        if not self._alive[shard]:
            return
        self._alive[shard] = False
        self._hub.carrier_down(shard_name(shard))

    def add(self, shard: int, assets: Iterable[str]) -> list[str]:
        """Assets the shard's feed began publishing while running (new listings): carried by that shard from now on,
        up at once if it is. Returns those new to the plane."""
        new = sorted(set(assets) - {a for s in self.slices for a in s})
        if new:
            grown = (*self.slices[shard], *new)
            self.slices = (*self.slices[:shard], grown, *self.slices[shard + 1 :])
            self._hub.set_assets(self._hub.assets() | set(new))
            self._hub.carry(shard_name(shard), streams_of(grown))
        return new

    def unready_assets(self) -> list[str]:
        return sorted(a for shard, assets in enumerate(self.slices) if not self._seen[shard] for a in assets)
