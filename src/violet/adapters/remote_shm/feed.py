"""`VenuePriceFeedPort` reading the shared-memory latest-value table a `violet feed` process writes.

Ticks are restamped (`mono_ns`) on read with this process's clock, `ts_event` is kept, and the bridge's
added latency (writer's publish to our read) is recorded. The writer's heartbeat decides liveness: a dead
or hung feed makes every price stale within `heartbeat_timeout_ns`; a restarted feed is picked up.
"""

from __future__ import annotations

import time

import anyio
import anyio.abc
import anyio.lowlevel
import attrs
from hdrh.histogram import HdrHistogram

from violet.bridges.shm_layout import LayoutError
from violet.bridges.shm_table import ShmTableReader, WakeSocket
from violet.delivery import HubBackedFeed, RemotePlaneSettings
from violet.domain import Clock, DomainError, FeedState


@attrs.frozen(kw_only=True)
class RemoteShmSettings(RemotePlaneSettings):
    bridge: str
    """The table's name (one per plane, e.g. `violet-alpha`)."""
    check_interval_s: float = 0.05
    spin: bool = False
    """Poll the table on every pass of the event loop instead of sleeping until a wake-up: lowest latency
    (`violet bench shm`, README) for a reactor that owns a core; burns that core."""


class RemoteShmPriceFeed(HubBackedFeed):
    def __init__(self, settings: RemoteShmSettings, *, clock: Clock | None = None) -> None:
        self._settings = settings
        self._ready_timeout_s = settings.ready_timeout_s
        self._hub = settings.hub(clock)
        self._reader: ShmTableReader | None = None
        self._wake: WakeSocket | None = None
        self.bridge_latency_ns = HdrHistogram(1, 60_000_000_000, 3)
        self.layout_errors = 0
        self.attaches = 0

    def _attach(self, *, skip_existing: bool = True) -> bool:
        try:
            self._reader = ShmTableReader(self._settings.bridge, skip_existing=skip_existing)
        except FileNotFoundError:
            return False
        except LayoutError:
            self.layout_errors += 1
            self._hub.reject("bridge-layout")
            return False
        self.attaches += 1
        return True

    def _writer_down(self, reader: ShmTableReader) -> None:
        """No heartbeat: stale until it beats again. A restarted writer has a new table under the same
        name (new generation); switch to it and take all of it, since it was written after the restart."""
        if self._hub.state is FeedState.LIVE:
            self._hub.set_state(FeedState.RECONNECTING)
        try:
            probe = ShmTableReader(self._settings.bridge, skip_existing=False)
        except (FileNotFoundError, LayoutError):
            return
        if probe.generation != reader.generation:
            reader.close()
            self._reader = probe
            self.attaches += 1
        else:
            probe.close()

    def _pump(self, reader: ShmTableReader) -> None:
        hub = self._hub
        now_mono = time.monotonic_ns()
        corrupt_before = reader.corrupt
        changes = reader.changed()
        for _ in range(reader.corrupt - corrupt_before):
            hub.reject("bridge-corrupt-slot")
        for record, skipped in changes:
            if record.asset not in hub.assets():
                continue
            try:
                tick = record.to_tick(mono_ns=hub.clock.monotonic_ns(), venue=self._settings.venue)
            except DomainError as exc:
                hub.reject(f"bridge-{type(exc).__name__}")
                continue
            self.bridge_latency_ns.record_value(max(1, now_mono - record.published_ns))
            hub.accept(tick, upstream_conflated=skipped)

    async def _run(self) -> None:
        s = self._settings
        wake = self._wake
        assert wake is not None
        while True:
            reader = self._reader
            if reader is None:
                if not self._attach():
                    await anyio.sleep(s.check_interval_s)
                    continue
                reader = self._reader
                assert reader is not None
            if s.spin:
                await anyio.lowlevel.checkpoint()  # let the reactor's own tasks run between polls
            else:
                with anyio.move_on_after(s.check_interval_s):
                    await anyio.wait_readable(wake.sock)
                wake.drain()
            alive = (
                time.monotonic_ns() - reader.heartbeat_ns()
            ) <= s.heartbeat_timeout_ns and not reader.writer_closed()
            if alive:
                if self._hub.state is not FeedState.LIVE:
                    self._hub.set_state(FeedState.LIVE)
                self._pump(reader)
            else:
                self._writer_down(reader)
                if s.spin:
                    await anyio.sleep(s.check_interval_s)  # no writer: nothing to spin for

    async def _prepare(self) -> None:
        self._wake = WakeSocket(self._settings.bridge)

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Ready once the table is attached and its writer's heartbeat is fresh (the feed process, not this reader,
        talks to the venue)."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._run)
            await self._hub.wait_live()
            task_status.started()

    async def _release(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._wake is not None:
            self._wake.close()
