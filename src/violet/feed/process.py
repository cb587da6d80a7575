"""The feed process: source adapters -> shared-memory tables, one per remote plane.

NautilusTrader owns this process's loop (uvloop, main thread); reactors elsewhere read the tables.
The writer's heartbeat beats only while the plane's source is live, so readers see a dead, hung or
disconnected feed as stale. Exit codes say why it stopped.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections.abc import Callable
from contextlib import AsyncExitStack
from enum import IntEnum
from typing import Any

import anyio
import anyio.abc
import anyio.lowlevel
import attrs
import msgspec

from violet.app.event_loop import run_on_uvloop
from violet.app.heap import freeze_startup_heap
from violet.app.processes import cancel_on_signal
from violet.bridges import hz_client
from violet.bridges.hz_publisher import HzPublisher, map_name
from violet.bridges.shm_table import ShmTableWriter
from violet.bridges.writer import BridgeWriter
from violet.composition import SOURCE_ADAPTER, Plane, build_source, remote_planes, shard_config, shm_bridge_name
from violet.config import UniverseConfig, VioletConfig, shard_count
from violet.config.shards import AUTO_NEEDS_SPAWN
from violet.domain import FeedState, NormalizedTick, SystemClock
from violet.feed.listings import LISTING_ROOM, watch_new_listings
from violet.metrics import MetricsPortUnavailable, MonitoredPlane, serve_metrics
from violet.metrics.collector import BridgeOutput
from violet.ports import RejectionReasons, TickTap, VenuePriceFeedPort
from violet.universe import ListingsUnavailable, NothingSelected, resolve_universe

log = logging.getLogger("violet.feed")


class FeedExit(IntEnum):
    STOPPED = 0
    CONFIG = 2
    SOURCE_FAILED = 3
    BRIDGE_FAILED = 4
    METRICS_PORT = 5
    """The metrics port could not be bound (in use): not a config error, a restart may succeed."""


Writer = BridgeWriter

_DELIVERING = (FeedState.LIVE, FeedState.DEGRADED)
"""A shard beats while its source delivers. Degraded (one of NT's routes down) it still beats: a reader then judges
the streams of the route that is down by their own age, which counts from this process's receive time, so they turn
TOO_OLD within their budget, while the rest of the shard stays fresh (the bridge carries no per-stream liveness)."""


def _hz_client(cfg: VioletConfig) -> Any:
    return hz_client.connect(cluster=cfg.bridge.hz_cluster, members=cfg.bridge.hz_members, connect_timeout_s=30.0)


def _publisher(source: VenuePriceFeedPort, writer: Writer) -> Callable[[NormalizedTick], None]:
    """Every tick the source accepts, written as it arrives: nothing is conflated before the writer, which alone
    counts each asset-and-kind's updates (readers derive what they skipped from the count). A write counts as a
    heartbeat only while the source delivers (live or degraded): a reconnecting source's first ticks must not make a
    reader think the feed is back (it would then see a second outage when the beats resume)."""

    def publish(tick: NormalizedTick) -> None:
        writer.write(tick)
        if source.state in _DELIVERING:
            writer.progressed()
        writer.wake()

    return publish


class _Beater:
    """Beats for one plane from its own thread while the source is live. On the event loop a busy stretch
    (NautilusTrader parsing a burst, a GC pass) delayed beats past readers' timeouts and they reported the feed down
    while it was publishing; a thread gets the GIL back within the interpreter's switch interval (5 ms)."""

    def __init__(self, source: VenuePriceFeedPort, writer: Writer, interval_s: float) -> None:
        self._source, self._writer, self._interval_s = source, writer, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"violet-beat-{writer.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            if self._source.state in _DELIVERING:
                self._writer.heartbeat()
                self._writer.wake()


async def _health(sources: dict[Plane, VenuePriceFeedPort], writers: dict[Plane, Writer], every_s: float) -> None:
    while True:
        await anyio.sleep(every_s)
        log.info(
            "violet feed: health",
            extra={
                "data": {
                    "planes": {
                        plane: {
                            "state": src.state.value,
                            **attrs.asdict(src.counters()),
                            "rejected_by_reason": src.rejected_by_reason() if isinstance(src, RejectionReasons) else {},
                            "published": writers[plane].published,
                            "bridge_rejected": writers[plane].rejected,
                            "bridge_failed": writers[plane].failed,
                        }
                        for plane, src in sources.items()
                    }
                }
            },
        )


@attrs.frozen(kw_only=True)
class FeedMetrics:
    port: int
    host: str = "127.0.0.1"


async def run_feed(
    cfg: VioletConfig,
    *,
    ready_line: bool = True,
    metrics: FeedMetrics | None = None,
    shard: int = 0,
    watch_listings: bool = False,
) -> FeedExit:
    """Publish every remote plane of `cfg`; as shard `shard` of `[feed] shards`, only that shard's slice of each.
    With a `[universe]` rule and `refresh_s`, this shard's share of new listings too (`watch_listings`: the planes'
    assets were resolved from the rule by whoever spawned this process, which spent its `select`)."""
    rule = cfg.universe if cfg.universe.refresh_s > 0 and (cfg.universe.select or watch_listings) else None
    if cfg.universe.select:
        # Started by hand with the rule (a spawned shard is given the reactor's resolved assets): resolved here, at
        # this process's own moment; a reactor that resolved differently reports the assets it misses as not ready.
        try:
            cfg, _ = await resolve_universe(cfg)
        except (ListingsUnavailable, NothingSelected) as exc:
            log.error("violet feed: %s", exc)  # noqa: TRY400 - the message says which venue and why
            return FeedExit.SOURCE_FAILED
    planes = remote_planes(cfg)
    if not planes:
        log.error("violet feed: no plane is configured as remote_shm or remote_hz; nothing to publish")
        return FeedExit.CONFIG
    if cfg.feed.shards == "auto":
        log.error("violet feed: feed.shards: %s", AUTO_NEEDS_SPAWN)
        return FeedExit.CONFIG
    outcome = FeedExit.STOPPED
    writers: dict[Plane, Writer] = {}
    try:
        async with anyio.create_task_group() as tg:
            # Signals are handled from the very start: NautilusTrader takes seconds to come up.
            tg.start_soon(cancel_on_signal, tg.cancel_scope)
            await anyio.lowlevel.checkpoint()  # let the signal receiver install itself before anything else
            # The sources open task groups of their own; they must close inside this one (strict nesting), so
            # the exit stack lives in the body, which then waits for the stop.
            async with AsyncExitStack() as stack:
                outcome = await _serve(
                    cfg, planes, tg, stack, writers, ready_line=ready_line, metrics=metrics, shard=shard, rule=rule
                )
                if outcome is FeedExit.STOPPED:
                    await anyio.sleep_forever()
    finally:
        for w in writers.values():
            w.close()
    return outcome


async def _serve(
    cfg: VioletConfig,
    planes: list[Plane],
    tg: anyio.abc.TaskGroup,
    stack: AsyncExitStack,
    writers: dict[Plane, Writer],
    *,
    ready_line: bool,
    metrics: FeedMetrics | None = None,
    shard: int = 0,
    rule: UniverseConfig | None = None,
) -> FeedExit:
    """Start bridges, sources and their pumps; the caller owns the lifetime."""
    clock = SystemClock()
    shards = shard_count(cfg)
    served = {p: frozenset(getattr(cfg, p).assets) for p in planes}  # the whole plane's, every shard's slice
    cfg = shard_config(cfg, shard)
    stop = tg.cancel_scope.cancel
    sources = {plane: build_source(plane, cfg, clock, on_signal=stop) for plane in planes}
    try:
        if any(getattr(cfg, p).adapter == "remote_hz" for p in planes):
            hz_client = await anyio.to_thread.run_sync(lambda: _hz_client(cfg))
            stack.callback(hz_client.shutdown)
        for plane in planes:
            if getattr(cfg, plane).adapter == "remote_hz":
                name = map_name(cfg.bridge.shm_prefix, plane)
                writers[plane] = HzPublisher(hz_client, name, getattr(cfg, plane).assets, shard=shard, shards=shards)
            else:
                bridge = shm_bridge_name(cfg, plane)
                room = 0 if rule is None else LISTING_ROOM
                writers[plane] = ShmTableWriter(
                    bridge, getattr(cfg, plane).assets, shard=shard, shards=shards, room=room
                )
    except Exception as exc:
        log.error("violet feed: cannot create the bridge: %s: %s", type(exc).__name__, exc)  # noqa: TRY400 - named, no traceback
        tg.cancel_scope.cancel()
        return FeedExit.BRIDGE_FAILED
    metrics_url: str | None = None
    if metrics is not None:
        # Served before the sources connect: /healthz answers and /readyz says 503 while NautilusTrader starts.
        monitored = [MonitoredPlane(name=p, adapter=SOURCE_ADAPTER[p], feed=sources[p]) for p in planes]
        outputs = [_output(p, writers[p]) for p in planes]
        try:
            server = await stack.enter_async_context(
                serve_metrics(monitored, port=metrics.port, host=metrics.host, clock=clock, outputs=outputs)
            )
        except MetricsPortUnavailable as exc:
            log.error("violet feed: %s", exc.strerror)  # noqa: TRY400 - named, no traceback
            tg.cancel_scope.cancel()
            return FeedExit.METRICS_PORT
        log.info("violet feed: metrics on %s/metrics", server.url)
        metrics_url = server.url
    for plane, source in sources.items():
        if not isinstance(source, TickTap):
            raise TypeError(f"the {plane} source cannot be tapped: a feed process publishes every tick")
        # Tapped before it starts: a quote it accepts while starting (BingX's book snapshot after each subscription,
        # a first bookTicker after an early ack) may be a quiet name's only one for seconds.
        stack.enter_context(source.tap(_publisher(source, writers[plane])))
    for plane, source in sources.items():
        try:
            await stack.enter_async_context(source)
        except Exception as exc:
            log.error("violet feed: the %s source failed to start: %s: %s", plane, type(exc).__name__, exc)  # noqa: TRY400
            tg.cancel_scope.cancel()
            return FeedExit.SOURCE_FAILED
    # Building NautilusTrader's node installs its own SIGINT/SIGTERM handlers on the loop, replacing
    # ours: take them back now that the sources are up.
    tg.start_soon(cancel_on_signal, tg.cancel_scope)
    for plane in planes:
        beater = _Beater(sources[plane], writers[plane], cfg.bridge.heartbeat_ms / 1000)
        beater.start()
        stack.callback(beater.stop)
    tg.start_soon(_health, sources, writers, cfg.feed.health_interval_s)
    if rule is not None:
        tg.start_soon(
            functools.partial(watch_new_listings, rule, cfg, sources, writers, served, shard=shard, shards=shards)
        )
    freeze_startup_heap()
    if ready_line:
        names = {p: writers[p].name for p in planes}
        line = {"feed": "ready", "tables": names, "metrics": metrics_url}  # the URL: for port 0
        sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
        sys.stdout.flush()
    return FeedExit.STOPPED


def _output(plane: Plane, writer: Writer) -> BridgeOutput:
    return BridgeOutput(
        plane=plane,
        bridge=writer.name,
        published=lambda: writer.published,
        rejected=lambda: writer.rejected,
        failed=lambda: writer.failed,
    )


def main(
    cfg: VioletConfig,
    *,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
    shard: int = 0,
    watch_listings: bool = False,
) -> int:
    shard_config(cfg, shard)  # an unknown shard is a config error, reported before anything starts
    metrics = None if metrics_port is None else FeedMetrics(port=metrics_port, host=metrics_host)
    code = run_on_uvloop(functools.partial(run_feed, cfg, metrics=metrics, shard=shard, watch_listings=watch_listings))
    return int(code)
