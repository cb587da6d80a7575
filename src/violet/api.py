"""violet's entry point for reactor authors: `async with violet.open_planes(config) as planes:`.

It does what `violet run` does before its reactor: starts what the config says must run beside the planes (the venue
simulators, a `violet feed` process), builds the adapters, enters them (each returns once its venue confirmed every
asset, or raises `FeedNotReady`), runs what feeds them in-process (synthetic markets), and yields the two planes as
ports. Leaving stops everything it started, in reverse order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path

import anyio
import attrs

from violet.app.supervisor import supervised
from violet.composition import build_app
from violet.config import VioletConfig, load_config
from violet.domain import Clock
from violet.metrics import MonitoredPlane, serve_metrics
from violet.ports import VenuePriceFeedPort
from violet.universe.watch import watch_listings


@attrs.frozen(kw_only=True)
class Planes:
    alpha: VenuePriceFeedPort
    """Binance USD-M (NautilusTrader's client, in-process or through a bridge)."""
    venue: VenuePriceFeedPort
    """BingX perpetual swap, authoritative for exit prices."""
    clock: Clock
    """The clock both planes stamp `mono_ns` with (ages are measured on it)."""
    metrics_url: str | None = None
    """Where `/metrics`, `/healthz` and `/readyz` are served, when asked for."""
    config: VioletConfig | None = None
    """The configuration the planes run on, resolved (the URLs of simulators it started filled in)."""
    child_pids: Callable[[], dict[str, int]] = dict
    """The processes `open_planes` started and runs now (simulators, `violet feed` shards), by name: what an operator
    or a fault-injection run signals. A restarted child appears with its new pid."""


@asynccontextmanager
async def open_planes(
    config: VioletConfig | Path | str | None = None,
    *,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
    metrics_per_asset: bool | None = None,
) -> AsyncIterator[Planes]:
    """`config`: a `VioletConfig`, a path to a violet.toml, or None for the embedded defaults (both simulators on
        loopback, alpha through a `violet feed` process and shared memory, BingX in-process). Config errors raise
        `ConfigError`; a plane that cannot confirm its assets raises `FeedNotReady`.

    Children it starts (simulators, feed shards) are restarted when they die, with a growing wait; one that keeps
    dying ends the block with `ChildGaveUp` (inside an exception group, from the task group that watched it).

        `metrics_port`: serve Prometheus metrics, `/healthz` and `/readyz` for both planes on this port (0: any free
        port, see `Planes.metrics_url`), from before the planes connect until they are closed. `metrics_per_asset`:
        each asset's age, verdict and budget as series (None: for planes of at most 100 assets; the counts of assets
        by verdict, per plane, always)."""
    cfg = config if isinstance(config, VioletConfig) else load_config(None if config is None else Path(config))
    async with supervised(cfg) as (resolved, supervisor), AsyncExitStack() as stack:
        app = build_app(resolved)
        metrics_url = None
        if metrics_port is not None:
            monitored = [
                MonitoredPlane(name="alpha", adapter=resolved.alpha.adapter, feed=app.alpha),
                MonitoredPlane(name="venue", adapter=resolved.venue.adapter, feed=app.venue),
            ]
            server = await stack.enter_async_context(
                serve_metrics(
                    monitored,
                    port=metrics_port,
                    host=metrics_host,
                    clock=app.clock,
                    restarts=supervisor.restarts,
                    per_asset=metrics_per_asset,
                )
            )
            metrics_url = server.url
        async with app.alpha, app.venue, anyio.create_task_group() as tg:
            for service in app.services:
                tg.start_soon(service)
            if cfg.universe.select and cfg.universe.refresh_s > 0:
                planes = {"alpha": app.alpha, "venue": app.venue}
                tg.start_soon(partial(watch_listings, cfg.universe, resolved, planes, every_s=cfg.universe.refresh_s))
            try:
                yield Planes(
                    alpha=app.alpha,
                    venue=app.venue,
                    clock=app.clock,
                    metrics_url=metrics_url,
                    config=resolved,
                    child_pids=supervisor.pids,
                )
            finally:
                tg.cancel_scope.cancel()
