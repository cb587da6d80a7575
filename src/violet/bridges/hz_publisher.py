"""The feed side of the Hazelcast bridge: one IMap per plane, keyed by asset, each asset's newest record of each
kind, plus each feed shard's heartbeat key. Readers take a snapshot, then follow the map's entry events.

IMap rather than a ReliableTopic, by measurement (`violet bench hz-transport`; figures in the README): alike at
moderate rates, and at the highest the topic's listener fell behind while the IMap held. The topic would also cost
a second write per tick (readers still need the map's latest values to start from) and replays its backlog after
a reconnect, which is stale by then.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import Any

from violet.bridges.hz_payload import encode, heartbeat_key
from violet.bridges.record import BridgeRecord
from violet.domain import NormalizedTick


def map_name(prefix: str, plane: str) -> str:
    return f"violet-{prefix}-{plane}"


class HzPublisher:
    """Same surface as the shared-memory writer. Writes are asynchronous `set`s (futures not awaited), so the
    feed's loop never waits on the cluster; the Hazelcast client's own thread sends them."""

    def __init__(self, client: Any, name: str, assets: Iterable[str], *, shard: int = 0, shards: int = 1) -> None:
        """`assets`: this shard's slice of the plane; other shards write theirs into the same map."""
        self.name = name
        self._beat_key = heartbeat_key(shard, shards)
        self._map = client.get_map(name)
        self._assets = frozenset(assets)
        self._newest: dict[str, dict[str, BridgeRecord]] = {}
        self.generation = secrets.randbits(63)
        self.published = 0
        self.rejected = 0

    def write(self, tick: NormalizedTick) -> bool:
        asset = tick.asset
        if asset not in self._assets:
            self.rejected += 1
            return False
        kinds = self._newest.setdefault(asset, {})
        kind = tick.kind.value
        previous = kinds.get(kind)
        now_wall = time.time_ns()
        record = BridgeRecord.of_tick(
            tick,
            updates=1 if previous is None else previous.updates + 1,
            published_ns=now_wall,
            received_ns=now_wall - max(0, time.monotonic_ns() - tick.mono_ns),  # on the wall clock readers share
        )
        try:
            payload = encode(self.generation, (*(r for k, r in kinds.items() if k != kind), record))
            self._map.set(asset, payload)
        except Exception:  # a field too long, or the client shut down: counted, the feed carries on
            self.rejected += 1
            return False
        kinds[kind] = record
        self.published += 1
        return True

    def heartbeat(self) -> None:
        self._map.set(self._beat_key, bytearray(time.time_ns().to_bytes(8, "little")))

    def progressed(self) -> None:
        return  # a map write per tick for liveness would double the cluster's traffic; the beat loop suffices

    def wake(self) -> None:
        return  # Hazelcast notifies listeners itself

    def close(self) -> None:
        return  # the client belongs to the feed process, which shuts it down
