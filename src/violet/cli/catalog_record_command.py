"""`violet record --catalog DIR`: both planes, from the adapters the config names, into NautilusTrader's catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from violet.api import open_planes
from violet.app.event_loop import run_on_uvloop
from violet.app.processes import cancel_on_signal
from violet.config import VioletConfig
from violet.recording.catalog_recorder import CatalogRecorder
from violet.recording.instrument_specs import load_specs


async def record_catalog(
    cfg: VioletConfig, root: Path, duration: float | None, flush_s: float, verdicts_every_s: float | None = None
) -> dict[str, Any]:
    async with open_planes(cfg) as planes:
        assert planes.config is not None
        specs = await load_specs(planes.config, planes.alpha.assets(), planes.venue.assets())
        recorder = CatalogRecorder(root, specs, clock=planes.clock, flush_s=flush_s, verdicts_every_s=verdicts_every_s)
        async with anyio.create_task_group() as tg:
            tg.start_soon(cancel_on_signal, tg.cancel_scope)
            with anyio.move_on_after(float("inf") if duration is None else duration):
                await tg.start(recorder.record, {"alpha": planes.alpha, "venue": planes.venue})
                await anyio.sleep_forever()
            tg.cancel_scope.cancel()
        return recorder.summary()
    raise AssertionError("unreachable")


def run(
    cfg: VioletConfig, root: Path, duration: float | None, flush_s: float, verdicts_every_s: float | None = None
) -> dict[str, Any]:
    # NautilusTrader shares the loop when a plane runs it in-process: the loop it expects, uvloop.
    summary: dict[str, Any] = run_on_uvloop(record_catalog, cfg, root, duration, flush_s, verdicts_every_s)
    return summary
