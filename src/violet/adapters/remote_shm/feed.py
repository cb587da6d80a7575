"""`VenuePriceFeedPort` reading the shared-memory latest-value tables `violet feed` processes write (one per
feed shard, merged here).

Ticks are restamped (`mono_ns`) on read with this process's clock, aged by the time since the feed process received
them (its receive stamp is on the host's monotonic clock): time spent in the feed and the bridge is age. `ts_event` is
kept, and the bridge's added latency (writer's publish to our read) is recorded. Each writer's heartbeat decides its
shard's liveness: a dead or hung feed makes its assets' prices stale within `heartbeat_timeout_ns` (every price,
unsharded); a restarted feed is picked up. Assets a feed adds to its table while running (new listings, when the
feed watches its venue's listings) join the plane as they appear: `assets()`, `latest` and new subscriptions.
"""

from __future__ import annotations

import logging
import time

import anyio
import anyio.abc
import anyio.lowlevel
import attrs
from hdrh.histogram import HdrHistogram

from violet.bridges.record import BridgeRecord
from violet.bridges.shm_layout import LayoutError
from violet.bridges.shm_table import ShmTableReader
from violet.bridges.shm_wake import WakeSocket
from violet.delivery import RemoteFeed, RemotePlaneSettings
from violet.domain import Clock, DomainError

log = logging.getLogger("violet.remote_shm")


@attrs.frozen(kw_only=True)
class RemoteShmSettings(RemotePlaneSettings):
    bridge: str
    """The plane's bridge (e.g. `violet-alpha`); each shard's table is named after it."""
    check_interval_s: float = 0.05
    spin: bool = False
    """Poll the table on every pass of the event loop instead of sleeping until a wake-up: lowest latency
    (`violet bench shm`, docs/architecture.md) for a reactor that owns a core; burns that core."""


class RemoteShmPriceFeed(RemoteFeed):
    def __init__(self, settings: RemoteShmSettings, *, clock: Clock | None = None) -> None:
        self._settings = settings
        super().__init__(settings, clock)
        self._readers: list[ShmTableReader | None] = [None] * len(self._liveness.slices)
        self._wake: WakeSocket | None = None
        self.bridge_latency_ns = HdrHistogram(1, 60_000_000_000, 3)
        self.layout_errors = 0
        self.attaches = 0
        self._restarted: set[int] = set()
        """Shards whose table is a restarted writer's, switched to: what it already holds is news to this reader."""

    def _open_table(self, shard: int, *, skip_existing: bool) -> ShmTableReader | None:
        n = len(self._readers)
        try:
            return ShmTableReader(self._settings.bridge, skip_existing=skip_existing, shard=shard, shards=n)
        except FileNotFoundError:
            return None
        except LayoutError:
            self.layout_errors += 1
            self._hub.reject("bridge-layout")
            return None

    def _attach(self, shard: int) -> ShmTableReader | None:
        reader = self._readers[shard] = self._open_table(shard, skip_existing=True)
        if reader is not None:
            self.attaches += 1
            self._liveness.add(shard, reader.assets)  # a table that grew before this reader came
        return reader

    def _writer_down(self, shard: int, reader: ShmTableReader) -> None:
        """No heartbeat: the shard's assets are stale until it beats again. A restarted writer has a new table under
        the same name (new generation); switch to it and take all of it, since it was written after the restart: what
        it wrote before the switch is delivered as news (its earlier updates counted as conflated)."""
        self._liveness.down(shard)
        probe = self._open_table(shard, skip_existing=True)
        if probe is None:
            return
        if probe.generation != reader.generation:
            reader.close()
            self._readers[shard] = probe
            self._restarted.add(shard)
            self.attaches += 1
            self._liveness.add(shard, probe.assets)
        else:
            probe.close()

    def _pump(self, shard: int, reader: ShmTableReader) -> None:
        hub = self._hub
        now_mono = time.monotonic_ns()
        corrupt_before = reader.corrupt
        version = reader.directory_version
        changes = reader.changed()
        if reader.directory_version != version:
            added = self._liveness.add(shard, reader.assets)
            if added:
                log.warning("%s plane: the feed added %s (listed while running)", self._settings.venue, added)
        for _ in range(reader.corrupt - corrupt_before):
            hub.reject("bridge-corrupt-slot")
        news = shard in self._restarted
        self._restarted.discard(shard)
        if reader.initial:
            # What the feed published before this reader came (a quiet name's only quote may be minutes old, or a
            # second): a baseline, not news, and as old as the feed's receive, so an old one is never fresh. A
            # restarted writer's table was all written after the restart: news, as its changes would have been.
            initial, reader.initial = reader.initial, []
            for record in initial:
                self._deliver(record, now_mono, skipped=record.updates - 1 if news else 0, late_check=news)
        for record, skipped in changes:
            self._deliver(record, now_mono, skipped=skipped, late_check=True)

    def _deliver(self, record: BridgeRecord, now_mono: int, *, skipped: int, late_check: bool) -> None:
        hub = self._hub
        if record.asset not in hub.assets():
            return
        in_transit = max(0, now_mono - record.received_ns)  # the feed's receive -> now, on the host's clock
        try:
            tick = record.to_tick(mono_ns=max(0, hub.clock.monotonic_ns() - in_transit), venue=self._settings.venue)
        except DomainError as exc:
            hub.reject(f"bridge-{type(exc).__name__}")
            return
        self.bridge_latency_ns.record_value(max(1, now_mono - record.published_ns))
        hub.accept(tick, upstream_conflated=skipped, late_check=late_check)

    async def _follow(self) -> None:
        s = self._settings
        wake = self._wake
        assert wake is not None
        while True:
            if s.spin:
                await anyio.lowlevel.checkpoint()  # let the reactor's own tasks run between polls
            else:
                with anyio.move_on_after(s.check_interval_s):
                    await anyio.wait_readable(wake.sock)
                wake.drain()
            any_table = False
            for shard, reader in enumerate(self._readers):
                if reader is None and (reader := self._attach(shard)) is None:
                    continue
                any_table = True
                alive = (
                    time.monotonic_ns() - reader.heartbeat_ns()
                ) <= s.heartbeat_timeout_ns and not reader.writer_closed()
                if alive:
                    self._liveness.up(shard)
                    self._pump(shard, reader)
                else:
                    self._writer_down(shard, reader)
            if s.spin and not (any_table and any(self._liveness.alive)):
                await anyio.sleep(s.check_interval_s)  # no live writer: nothing to spin for

    async def _prepare(self) -> None:
        self._wake = WakeSocket(self._settings.bridge)

    async def _release(self) -> None:
        for reader in self._readers:
            if reader is not None:
                reader.close()
        if self._wake is not None:
            self._wake.close()
