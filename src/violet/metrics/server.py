"""`/metrics`, `/healthz` and `/readyz` on one port, served by aiohttp on the event loop that owns the planes.

On the loop, a scrape reads hub state on the thread that writes it (no locks on the tick path); a scrape of two planes
of 50 assets costs about a millisecond of that loop, once per scrape interval.
`/healthz`: the process serves (200). `/readyz`: 200 when every plane is live or degraded, 503 otherwise, with each
plane's state and the assets it has down in the JSON body either way.

Degraded answers ready on purpose: some of the plane's connections are down, their assets read FEED_DOWN (never
fresh), and every other asset is served on its own verdict. Taking the whole process out of service for one socket's
outage would withhold every healthy price, the per-plane failure violet does not make; a degradation that lasts is
an alert (`violet_assets_down`, deploy/prometheus), not a readiness failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import ExitStack, asynccontextmanager

import attrs
import msgspec
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from violet.domain import Clock, FeedState, SystemClock, VioletError
from violet.metrics.collector import LABELS, BridgeOutput, MonitoredPlane, PlaneCollector
from violet.metrics.instruments import LatencyInstruments
from violet.ports import PlaneHealth


class MetricsPortUnavailable(VioletError, OSError):
    """The metrics port cannot be bound (in use, not permitted, no such address)."""


@attrs.frozen(kw_only=True)
class MetricsServer:
    url: str
    """`http://host:port` (the bound port when 0 was asked)."""
    registry: CollectorRegistry


READY_STATES = (FeedState.LIVE, FeedState.DEGRADED)


def readiness(planes: Sequence[MonitoredPlane]) -> tuple[bool, dict[str, str], dict[str, list[str]]]:
    """Whether every plane serves (live or degraded), each plane's state, and each plane's assets down now."""
    states = {p.name: p.feed.state.value for p in planes}
    down = {p.name: p.feed.assets_down() if isinstance(p.feed, PlaneHealth) else [] for p in planes}
    return all(p.feed.state in READY_STATES for p in planes), states, down


def _app(registry: CollectorRegistry, planes: Sequence[MonitoredPlane]) -> web.Application:
    async def metrics(_: web.Request) -> web.Response:
        resp = web.Response(body=generate_latest(registry))
        resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return resp

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        ready, states, down = readiness(planes)
        body = msgspec.json.encode({"ready": ready, "planes": states, "assets_down": down})
        return web.Response(body=body, status=200 if ready else 503, content_type="application/json")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


def build_registry(
    planes: Sequence[MonitoredPlane],
    outputs: Sequence[BridgeOutput] = (),
    restarts: Mapping[str, int] | None = None,
    per_asset: bool | None = None,
) -> tuple[CollectorRegistry, LatencyInstruments]:
    """Everything a violet process exports: the planes read at scrape time, and their per-tick latency."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlaneCollector(planes, outputs, restarts if restarts is not None else {}, per_asset))
    latency = LatencyInstruments(labelnames=LABELS)
    registry.register(latency)
    return registry, latency


@asynccontextmanager
async def serve_metrics(
    planes: Sequence[MonitoredPlane],
    *,
    port: int,
    host: str = "127.0.0.1",
    clock: Clock | None = None,
    outputs: Sequence[BridgeOutput] = (),
    restarts: Mapping[str, int] | None = None,
    per_asset: bool | None = None,
) -> AsyncIterator[MetricsServer]:
    """Serve the planes' metrics while open. Enter it before the planes: the taps count from their first tick and
    `/readyz` answers 503 while they connect. `port=0` binds an ephemeral port (see `MetricsServer.url`).
    `restarts`: the supervisor's restarts per child (`violet_child_restarts_total`), read at each scrape.
    `per_asset`: each asset's series (None: for planes of at most 100 assets; counts by verdict always)."""
    registry, latency = build_registry(planes, outputs, restarts, per_asset)
    runner = web.AppRunner(_app(registry, planes), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise MetricsPortUnavailable(exc.errno, f"cannot serve metrics on {host}:{port}: {exc.strerror}") from None
        bound_host, bound_port = runner.addresses[0][:2]
        with ExitStack() as taps:
            for p in planes:
                taps.enter_context(latency.observing(p.feed, clock or SystemClock(), (p.name, p.adapter)))
            yield MetricsServer(url=f"http://{bound_host}:{bound_port}", registry=registry)
    finally:
        await runner.cleanup()
