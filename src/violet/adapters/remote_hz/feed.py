"""`VenuePriceFeedPort` over the Hazelcast IMap a `violet feed` process writes: a snapshot to start from, then the
map's entry events; liveness from its heartbeat key.

The Hazelcast client calls listeners on its own threads; they only leave the raw value for the event loop and
return, so client I/O is never blocked. What they leave is the newest value per key (and which shards beat), with
one wake-up of the loop per batch: a loop that falls behind (a burst, a busy reactor) finds the newest value of each
key, its skipped updates counted as conflated by the writer's counters, instead of a queue of every event that grows
with the backlog (a queued callback per event held 24 MiB after six minutes of a traced chaos run). This adapter
therefore requires anyio's asyncio backend.

`mono_ns` is restamped on receipt, aged by the time since the feed process received the tick (its wall clock,
carried in the payload): beyond the configured clock skew between the hosts, time spent in the feed and
the bridge is age, and an old value (the initial snapshot's, one held up by a slow cluster) is never fresh.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Literal

import anyio
import anyio.abc
import anyio.to_thread
import attrs
from hdrh.histogram import HdrHistogram

from violet import defaults as d
from violet.bridges import hz_client
from violet.bridges.hz_payload import HzPayloadError, beat_added, decode, heartbeat_key, is_heartbeat
from violet.delivery import RemoteFeed, RemotePlaneSettings
from violet.domain import Clock, DomainError, FeedState

Source = Literal["event", "snapshot", "resync"]
PARKED_MAX = 4096
"""Keys of values held for a beat that may name them: more than a venue lists (a shared map may hold other runs')."""


@attrs.frozen(kw_only=True)
class RemoteHzSettings(RemotePlaneSettings):
    map_name: str
    cluster_name: str
    members: tuple[str, ...]
    connect_timeout_s: float = 20.0
    writer_clock_skew_ns: int = d.ms_to_ns(d.HZ_WRITER_CLOCK_SKEW_MS)
    """How far the feed hosts' wall clocks may be from this one's: a tick's time in the feed and the bridge counts
    as age beyond it (so a skewed clock never makes a value look younger than it is by more than this)."""


class RemoteHzPriceFeed(RemoteFeed):
    def __init__(self, settings: RemoteHzSettings, *, clock: Clock | None = None) -> None:
        self._settings = settings
        super().__init__(settings, clock)
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seen: dict[tuple[str, str], tuple[int, int]] = {}
        """(asset, kind) -> (writer generation, updates) of the newest record taken."""
        self._handoff = threading.Lock()
        self._newest: dict[str, Any] = {}
        """Key -> the newest value the listener saw that the loop has not taken yet."""
        self._beaten: dict[int, Any] = {}
        """Shards whose heartbeat the listener saw since the loop last took them, with the newest beat's value."""
        self._parked: dict[str, tuple[Any, Source]] = {}
        """The newest value of each key no shard has named yet (a new listing's value may come before the beat that
        names it), taken when a beat does; bounded by `PARKED_MAX`."""
        self._woken = False
        """A `_take` is scheduled on the loop: later events join its batch."""
        self._early: list[tuple[str, Any]] | None = None
        """Listener events that arrived before the snapshot set the baselines; replayed after it."""
        n = len(self._liveness.slices)
        self._shard_of_beat = {heartbeat_key(i, n): i for i in range(n)}
        self._last_beat = [0] * n
        self.bridge_latency_ns = HdrHistogram(1, 60_000_000_000, 3)
        self._lost = False
        self._resync = anyio.Event()
        self.resyncs = 0
        """Times the map was read again after the client reconnected (the events while away are lost)."""

    # -- on the Hazelcast client's threads: hand off, never block ------------------------------------------
    def _on_event(self, event: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        key = event.key
        with self._handoff:
            if is_heartbeat(key):
                shard = self._shard_of_beat.get(key)
                if shard is None:  # a beat of another sharding of the map: not ours to judge
                    return
                self._beaten[shard] = event.value
            else:
                self._newest[key] = event.value  # a key's events arrive in order: this one is its newest
            if self._woken:
                return
            self._woken = True
        loop.call_soon_threadsafe(self._take)

    def _on_lifecycle(self, state: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if state == "DISCONNECTED":
            loop.call_soon_threadsafe(self._down)
        elif state == "CONNECTED":
            loop.call_soon_threadsafe(self._connected)

    # -- on the event loop ----------------------------------------------------------------------------------
    def _take(self) -> None:
        """Everything the listener left since the last take: beats first (a shard that beat is live), then each
        key's newest value."""
        with self._handoff:
            values, self._newest = self._newest, {}
            beaten, self._beaten = self._beaten, {}
            self._woken = False
        for shard, beat in beaten.items():
            self._on_beat(shard, beat)
        for key, value in values.items():
            self._on_value(value, key)

    def _down(self) -> None:
        """This client lost the cluster: every shard is out of reach."""
        self._lost = True
        for shard in range(len(self._last_beat)):
            self._liveness.down(shard)

    def _connected(self) -> None:
        """Back after a loss: the map's events while away are gone, so the map is read again (`_follow`)."""
        if self._lost:
            self._lost = False
            self._resync.set()

    def _on_beat(self, shard: int, beat: Any = b"") -> None:
        self._last_beat[shard] = time.monotonic_ns()
        if self._hub.state is not FeedState.CLOSED:
            self._liveness.up(shard)
        if len(beat) > 8:  # the shard names assets it added while running (new listings)
            try:
                named = beat_added(beat)
            except HzPayloadError:
                self._hub.reject("bridge-payload")
                return
            for asset in self._liveness.add(shard, named):
                parked = self._parked.pop(asset, None)
                if parked is not None:
                    self._on_value(parked[0], asset, parked[1])

    def _on_value(self, value: Any, key: str, source: Source = "event") -> None:
        """`source`: `event` (the listener), `snapshot` (the first read: every value is the baseline), `resync` (a
        read after a reconnect: like events, news only where the writer's count moved on)."""
        hub = self._hub
        if source == "event" and self._early is not None:
            self._early.append((key, value))
            return
        try:
            value_read = decode(value)
        except HzPayloadError:
            hub.reject("bridge-payload")
            return
        if value_read.asset != key:
            hub.reject("bridge-key-mismatch")
            return
        if key not in hub.assets():
            if len(self._parked) < PARKED_MAX or key in self._parked:
                self._parked[key] = (value, source)
            return
        generation = value_read.generation
        now_mono = hub.clock.monotonic_ns()
        now_wall = time.time_ns()
        for record in sorted(value_read.records, key=lambda r: r.published_ns):
            lane = (key, record.kind)
            prev = self._seen.get(lane)
            if source == "snapshot" or prev is None or prev[0] != generation:
                # A snapshot value is the baseline; a lane or writer first seen otherwise counts all its earlier
                # updates (the writer's counter starts at 1) as conflated.
                skipped = 0 if source == "snapshot" else record.updates - 1
            elif record.updates <= prev[1]:
                continue  # already delivered (the other kind's update, or snapshot and listener overlap)
            else:
                skipped = record.updates - prev[1] - 1
            self._seen[lane] = (generation, record.updates)
            # As old as the feed's receive, not as new as our read (a snapshot's value may be minutes old).
            aged = max(0, now_wall - record.received_ns - self._settings.writer_clock_skew_ns)
            try:
                tick = record.to_tick(mono_ns=max(0, now_mono - aged), venue=self._settings.venue)
            except DomainError as exc:
                hub.reject(f"bridge-{type(exc).__name__}")
                continue
            self.bridge_latency_ns.record_value(max(1, now_wall - record.published_ns))
            hub.accept(tick, upstream_conflated=max(0, skipped), late_check=source == "event")

    async def _read_map(self, source: Source) -> None:
        imap = self._client.get_map(self._settings.map_name)
        entries = await anyio.to_thread.run_sync(lambda: imap.entry_set().result())
        for key, value in entries:
            if not is_heartbeat(key):
                self._on_value(value, key, source)

    async def _follow(self) -> None:
        """Records arrive through the map listener; this ages each shard's heartbeat, and reads the map again after
        the client reconnected."""
        timeout = self._settings.heartbeat_timeout_ns
        while True:
            await anyio.sleep(0.05)
            if self._resync.is_set():
                self._resync = anyio.Event()
                self.resyncs += 1
                await self._read_map("resync")
            now = time.monotonic_ns()
            for shard, alive in enumerate(self._liveness.alive):
                if alive and now - self._last_beat[shard] > timeout:
                    self._liveness.down(shard)

    async def _prepare(self) -> None:
        self._loop = asyncio.get_running_loop()
        s = self._settings

        def connect() -> Any:
            return hz_client.connect(
                cluster=s.cluster_name,
                members=s.members,
                connect_timeout_s=s.connect_timeout_s,
                lifecycle_listeners=[self._on_lifecycle],
            )

        self._client = await anyio.to_thread.run_sync(connect)
        imap = self._client.get_map(s.map_name)
        # Listener first (its events wait in `_early`), then the snapshot sets the baselines, then the waiting
        # events are replayed: the update counters drop whatever both deliver, and nothing falls in between.
        self._early = []
        await anyio.to_thread.run_sync(
            lambda: imap.add_entry_listener(
                include_value=True, added_func=self._on_event, updated_func=self._on_event
            ).result()
        )
        await self._read_map("snapshot")
        early, self._early = self._early, None
        for key, value in early:
            self._on_value(value, key)

    async def _teardown(self) -> None:
        self._loop = None

    async def _release(self) -> None:
        if self._client is not None:
            client = self._client
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(client.shutdown)
