"""`violet run`: compose from config, start everything, show the live view, stop cleanly."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import anyio
import attrs
import msgspec
from rich.console import Console
from rich.live import Live

from violet.api import open_planes
from violet.app.event_loop import run_on_uvloop
from violet.app.heap import freeze_startup_heap
from violet.app.processes import cancel_on_signal
from violet.app.supervisor import gave_up_in
from violet.cli.snapshot_view import ViewOptions, render_table, snapshot_json
from violet.config import EMBEDDED_DEFAULTS, load_config
from violet.reactor.basis_monitor import BasisMonitor, MonitorSnapshot

REFRESH_S = 0.5
log = logging.getLogger("violet.run")


@attrs.frozen(kw_only=True)
class MetricsEndpoint:
    port: int
    host: str = "127.0.0.1"


async def run_app(
    config: Path | None,
    duration: float | None,
    as_json: bool,
    metrics: MetricsEndpoint | None = None,
    view: ViewOptions | None = None,
) -> MonitorSnapshot:
    cfg = load_config(config)
    console = Console(stderr=False)
    title = f"violet - {config or EMBEDDED_DEFAULTS}"
    status = console.status("starting simulators and the feed process...") if not as_json else None
    if status is not None:
        status.start()
    port, host = (metrics.port, metrics.host) if metrics else (None, "127.0.0.1")
    async with open_planes(cfg, metrics_port=port, metrics_host=host) as planes:
        monitor = BasisMonitor(planes.alpha, planes.venue, clock=planes.clock)
        freeze_startup_heap()
        if status is not None:
            status.stop()
        return await _serve(monitor, duration, as_json, console, title, view or ViewOptions())
    raise AssertionError("unreachable")


async def _serve(
    monitor: BasisMonitor, duration: float | None, as_json: bool, console: Console, title: str, view: ViewOptions
) -> MonitorSnapshot:
    async with anyio.create_task_group() as tg:
        tg.start_soon(cancel_on_signal, tg.cancel_scope)
        tg.start_soon(monitor.run)
        with anyio.move_on_after(duration if duration is not None else float("inf")):
            if as_json:
                while True:
                    await anyio.sleep(REFRESH_S)
                    sys.stdout.write(msgspec.json.encode(snapshot_json(monitor.snapshot(), view)).decode() + "\n")
                    sys.stdout.flush()
            else:
                table = render_table(monitor.snapshot(), title=title, width=console.width, view=view)
                with Live(table, console=console, refresh_per_second=4) as live:
                    while True:
                        await anyio.sleep(REFRESH_S)
                        live.update(render_table(monitor.snapshot(), title=title, width=console.width, view=view))
        tg.cancel_scope.cancel()
    # Ctrl-C cancels the task group's scope from the signal task: the summary is taken after it either way.
    return monitor.snapshot()


CHILD_GAVE_UP = 6
"""`violet run`'s exit code when a child it supervises (a simulator, a feed shard) kept dying."""


def run(
    config: Path | None,
    duration: float | None,
    as_json: bool,
    metrics: MetricsEndpoint | None = None,
    view: ViewOptions | None = None,
) -> int:
    view = view or ViewOptions()
    try:
        final = run_on_uvloop(run_app, config, duration, as_json, metrics, view)
    except BaseException as exc:
        gave_up = gave_up_in(exc)
        if gave_up is None:
            raise
        log.error("violet run stops: %s", gave_up)  # noqa: TRY400 - the message names the child; no traceback
        return CHILD_GAVE_UP
    summary = {"summary": snapshot_json(final, view)}
    if as_json:
        sys.stdout.write(msgspec.json.encode(summary).decode() + "\n")
    else:
        console = Console()
        console.print(render_table(final, title="violet - final", width=console.width, view=view))
    return 0
