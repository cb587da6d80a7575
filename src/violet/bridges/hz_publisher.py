"""The feed side of the Hazelcast bridge: one IMap per plane, keyed by asset, each asset's newest record of each
kind, plus each feed shard's heartbeat key. Readers take a snapshot, then follow the map's entry events.

IMap rather than a ReliableTopic, by measurement (`violet bench hz-transport`; figures in docs/architecture.md): alike
at moderate rates, and at the highest the topic's listener fell behind while the IMap held. The topic would also cost
a second write per tick (readers still need the map's latest values to start from) and replays its backlog after
a reconnect, which is stale by then.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterable
from typing import Any

from violet.bridges.hz_payload import BEAT_SEP, beat_value, encode, heartbeat_key
from violet.bridges.record import BridgeRecord
from violet.domain import NormalizedTick


def map_name(prefix: str, plane: str) -> str:
    return f"violet-{prefix}-{plane}"


class HzPublisher:
    """Same surface as the shared-memory writer. Writes are asynchronous `set`s, so the feed's loop never waits on
    the cluster; the Hazelcast client's own thread sends them.

    At most one write per asset is in flight: a tick that comes while its asset's write is out only replaces the
    newest value (conflated, as the map keeps just the latest anyway), and the write's completion sends the newest.
    A slow or unreachable cluster therefore costs one pending value per asset, never a growing backlog of futures.
    A failed write is counted (`failed`) and its asset sent again with the next tick or heartbeat."""

    def __init__(self, client: Any, name: str, assets: Iterable[str], *, shard: int = 0, shards: int = 1) -> None:
        """`assets`: this shard's slice of the plane; other shards write theirs into the same map."""
        self.name = name
        self._beat_key = heartbeat_key(shard, shards)
        self._map = client.get_map(name)
        self._assets = frozenset(assets)
        self._added: list[str] = []
        """Assets added while running, in order (named in every heartbeat)."""
        self._newest: dict[str, dict[str, BridgeRecord]] = {}
        self._in_flight: set[str] = set()
        self._dirty: set[str] = set()
        """Assets whose newest value is not in the map yet (a write was out, or failed)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self.generation = secrets.randbits(63)
        self.published = 0
        self.rejected = 0
        self.conflated = 0
        """Values replaced by a newer one while their asset's write was in flight (never sent)."""
        self.failed = 0
        """Writes the cluster did not take (member down, client shutting down): counted, sent again."""

    @property
    def assets(self) -> frozenset[str]:
        return self._assets

    def add_assets(self, assets: Iterable[str]) -> list[str]:
        """New listings: published from now on, and named in this shard's heartbeat value (beaten at once, so
        readers learn them before their first value) for readers to add."""
        added = [a for a in dict.fromkeys(assets) if a not in self._assets and a.isascii() and BEAT_SEP not in a]
        if added:
            self._assets = self._assets | frozenset(added)
            self._added.extend(added)
            self.heartbeat()
        return added

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

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
            encode(self.generation, (record,))  # a field that does not fit is refused here, not at send
        except ValueError:
            self.rejected += 1
            return False
        kinds[kind] = record
        self.published += 1
        if asset in self._in_flight:
            self.conflated += asset in self._dirty
            self._dirty.add(asset)
            return True
        self._send(asset)
        return True

    def _send(self, asset: str) -> None:
        self._dirty.discard(asset)
        payload = encode(self.generation, tuple(self._newest[asset].values()))
        try:
            future = self._map.set(asset, payload)
        except Exception:  # the client shut down: counted, the feed carries on
            self.failed += 1
            self._dirty.add(asset)
            return
        self._in_flight.add(asset)
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        loop = self._loop
        # Completion comes on the client's thread: hand it to the loop that owns this publisher's state.
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._done, asset, f))

    def _done(self, asset: str, future: Any) -> None:
        self._in_flight.discard(asset)
        if not future.is_success():
            self.failed += 1
            self._dirty.add(asset)
            return  # sent again with its next tick or the next heartbeat, not in a loop against a dead cluster
        if asset in self._dirty:
            self._send(asset)

    def heartbeat(self) -> None:
        self._map.set(self._beat_key, beat_value(time.time_ns(), self._added))
        loop = self._loop
        if loop is not None and self._dirty:
            loop.call_soon_threadsafe(self._resend_failed)

    def _resend_failed(self) -> None:
        for asset in list(self._dirty):
            if asset not in self._in_flight:
                self._send(asset)

    def progressed(self) -> None:
        return  # a map write per tick for liveness would double the cluster's traffic; the beat loop suffices

    def wake(self) -> None:
        return  # Hazelcast notifies listeners itself

    def close(self) -> None:
        return  # the client belongs to the feed process, which shuts it down
