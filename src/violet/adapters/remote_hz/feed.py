"""`VenuePriceFeedPort` over the Hazelcast bridge a `violet feed` process publishes: updates from the plane's
ReliableTopic, the starting point from its IMap (latest value per asset), liveness from the map's heartbeat key.

The Hazelcast client calls listeners on its own threads; they only hand the raw value to the event loop
(`call_soon_threadsafe`) and return, so client I/O is never blocked. This adapter therefore requires anyio's
asyncio backend. `mono_ns` is restamped on receipt (initial-snapshot values get an age from their publish wall
time, so an old value is never fresh). The topic listener is loss-tolerant: a reader that falls a whole ringbuffer
behind goes on from the oldest message still held, and the per-asset update counters count what it missed as
conflated, so it never stops listening.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Any, Self

import anyio
import anyio.abc
import anyio.to_thread
import attrs
from hazelcast.proxy.reliable_topic import ReliableMessageListener
from hdrh.histogram import HdrHistogram

from violet.bridges.hz_payload import HEARTBEAT_KEY, HzPayloadError, decode
from violet.delivery import HubBackedFeed, TickHub
from violet.domain import (
    Clock,
    DomainError,
    FeedState,
    NormalizedTick,
    SystemClock,
    parse_price,
)


@attrs.frozen(kw_only=True)
class RemoteHzSettings:
    map_name: str
    venue: str
    assets: tuple[str, ...]
    cluster_name: str
    members: tuple[str, ...]
    staleness_budget_ns: int = 1_000_000_000
    heartbeat_timeout_ns: int = 1_000_000_000
    connect_timeout_s: float = 20.0


class RemoteHzPriceFeed(HubBackedFeed):
    def __init__(self, settings: RemoteHzSettings, *, clock: Clock | None = None) -> None:
        self._settings = settings
        self._hub = TickHub(
            venue=settings.venue,
            clock=clock or SystemClock(),
            staleness_budget_ns=settings.staleness_budget_ns,
            assets=settings.assets,
        )
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._seen: dict[str, tuple[int, int]] = {}
        """key -> (writer generation, updates) of the newest value taken."""
        self._early: list[Any] | None = None
        """Listener events that arrived before the snapshot set the baselines; replayed after it."""
        self._last_beat = 0
        self.bridge_latency_ns = HdrHistogram(1, 60_000_000_000, 3)

    # -- on the Hazelcast client's threads: hand off, never block ------------------------------------------
    def _on_message(self, message: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._on_value, message.message, None)

    def _on_beat_event(self, _event: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._on_beat)

    def _on_lifecycle(self, state: str) -> None:
        loop = self._loop
        if state == "DISCONNECTED" and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._down)

    # -- on the event loop ----------------------------------------------------------------------------------
    def _down(self) -> None:
        if self._hub.state is FeedState.LIVE:
            self._hub.set_state(FeedState.RECONNECTING)

    def _on_beat(self) -> None:
        hub = self._hub
        self._last_beat = time.monotonic_ns()
        if hub.state is not FeedState.LIVE and hub.state is not FeedState.CLOSED:
            hub.set_state(FeedState.LIVE)

    def _on_value(self, value: Any, snapshot_now_wall: int | None) -> None:
        hub = self._hub
        if snapshot_now_wall is None and self._early is not None:
            self._early.append(value)
            return
        try:
            p = decode(value)
        except HzPayloadError:
            hub.reject("bridge-payload")
            return
        asset = key = p.asset
        if asset not in hub.assets():
            return
        prev = self._seen.get(key)
        if snapshot_now_wall is not None or prev is None or prev[0] != p.generation:
            # A snapshot value is the baseline; a key or writer first seen by event counts all its earlier
            # updates (the writer's counter starts at 1) as conflated.
            skipped = 0 if snapshot_now_wall is not None else p.updates - 1
        elif p.updates <= prev[1]:
            return  # already delivered (snapshot and listener overlap)
        else:
            skipped = p.updates - prev[1] - 1
        self._seen[key] = (p.generation, p.updates)
        now_mono = hub.clock.monotonic_ns()
        # A snapshot value is as old as its publication, not as new as our read.
        mono = now_mono if snapshot_now_wall is None else now_mono - max(0, snapshot_now_wall - p.publish_wall_ns)
        try:
            tick = NormalizedTick(
                venue=p.venue or self._settings.venue,
                asset=asset,
                bid=None if p.bid is None else parse_price(p.bid, "bid"),
                ask=None if p.ask is None else parse_price(p.ask, "ask"),
                last=None if p.last is None else parse_price(p.last, "last"),
                ts_event=p.ts_event,
                mono_ns=max(0, mono),
            )
        except DomainError as exc:
            hub.reject(f"bridge-{type(exc).__name__}")
            return
        self.bridge_latency_ns.record_value(max(1, time.time_ns() - p.publish_wall_ns))
        hub.accept(tick, upstream_conflated=max(0, skipped))

    async def _watch(self) -> None:
        timeout = self._settings.heartbeat_timeout_ns
        while True:
            await anyio.sleep(0.05)
            if self._hub.state is FeedState.LIVE and time.monotonic_ns() - self._last_beat > timeout:
                self._hub.set_state(FeedState.RECONNECTING)

    async def __aenter__(self) -> Self:
        from hazelcast.client import HazelcastClient

        self._loop = asyncio.get_running_loop()
        s = self._settings

        def connect() -> Any:
            return HazelcastClient(
                cluster_name=s.cluster_name,
                cluster_members=list(s.members),
                cluster_connect_timeout=s.connect_timeout_s,
                lifecycle_listeners=[self._on_lifecycle],
            )

        self._client = await anyio.to_thread.run_sync(connect)
        imap = self._client.get_map(s.map_name)
        topic = self._client.get_reliable_topic(s.map_name)
        # Listener first (its messages wait in `_early`), then the snapshot sets the baselines, then the waiting
        # messages are replayed: the update counters drop whatever both deliver, and nothing falls in between.
        self._early = []
        await anyio.to_thread.run_sync(
            lambda: imap.add_entry_listener(
                key=HEARTBEAT_KEY, added_func=self._on_beat_event, updated_func=self._on_beat_event
            ).result()
        )
        await anyio.to_thread.run_sync(lambda: topic.add_listener(_LossTolerant(self._on_message)).result())
        entries = await anyio.to_thread.run_sync(lambda: imap.entry_set().result())
        now_wall = time.time_ns()
        for key, value in entries:
            if key != HEARTBEAT_KEY:
                self._on_value(value, now_wall)
        early, self._early = self._early, None
        for value in early:
            self._on_value(value, None)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._watch)
        self._hub.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._hub.close()
        self._loop = None
        if self._tg is not None:
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(None, None, None)
        if self._client is not None:
            client = self._client
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(client.shutdown)


class _LossTolerant(ReliableMessageListener[Any]):
    """Starts at the topic's tail, survives falling behind and member changes; never terminates on its own."""

    def __init__(self, on_message: Any) -> None:
        self._on_message = on_message

    def on_message(self, message: Any) -> None:
        self._on_message(message)

    def retrieve_initial_sequence(self) -> int:
        return -1

    def store_sequence(self, sequence: int) -> None:
        return

    def is_loss_tolerant(self) -> bool:
        return True

    def is_terminal(self, error: Exception) -> bool:
        return False
