"""The feed side of the Hazelcast bridge: one IMap per plane, keyed by asset, each asset's latest update, plus
the feed's heartbeat key. Readers take a snapshot, then follow the map's entry events.

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

from violet.bridges.hz_payload import HEARTBEAT_KEY, HzTick, encode
from violet.bridges.writer import BridgeUpdate


def map_name(prefix: str, plane: str) -> str:
    return f"violet-{prefix}-{plane}"


class HzPublisher:
    """Same surface as the shared-memory writer. Writes are asynchronous `set`s (futures not awaited), so the
    feed's loop never waits on the cluster; the Hazelcast client's own thread sends them."""

    def __init__(self, client: Any, name: str, assets: Iterable[str]) -> None:
        self.name = name
        self._map = client.get_map(name)
        self._assets = frozenset(assets)
        self._updates: dict[str, int] = {}
        self.generation = secrets.randbits(63)
        self.published = 0
        self.rejected = 0

    def write(self, update: BridgeUpdate) -> bool:
        u = update
        if u.asset not in self._assets:
            self.rejected += 1
            return False
        # One key per asset: Hazelcast orders events per key (per partition), and an asset's quotes and trades
        # must reach readers in publication order. Each event carries its own update's fields.
        key = u.asset
        updates = self._updates.get(key, 0) + 1 + u.conflated_before
        self._updates[key] = updates
        payload = encode(
            HzTick(
                self.generation,
                u.asset,
                u.venue,
                u.bid,
                u.ask,
                u.last,
                u.ts_event,
                u.source_mono_ns,
                time.time_ns(),
                updates,
            )
        )
        self._map.set(key, payload)
        self.published += 1
        return True

    def heartbeat(self) -> None:
        self._map.set(HEARTBEAT_KEY, bytearray(time.time_ns().to_bytes(8, "little")))

    def wake(self) -> None:
        return  # Hazelcast notifies listeners itself

    def close(self) -> None:
        return  # the client belongs to the feed process, which shuts it down
