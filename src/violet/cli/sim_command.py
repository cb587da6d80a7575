"""`violet sim <venue>`: serve a venue simulator until SIGINT/SIGTERM (or --duration), printing its
addresses as one JSON line first, so scripts and benchmarks can start it as a subprocess."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import anyio
import msgspec

from violet.app.event_loop import run_on_uvloop
from violet.app.processes import cancel_on_signal
from violet.sim.engine.replay import read_frames, replay
from violet.sim.engine.simulator import SimulatorCore


async def serve(sim: SimulatorCore, *, duration: float | None, replay_path: Path | None, speed: float) -> None:
    async with sim, anyio.create_task_group() as tg:
        sys.stdout.write(msgspec.json.encode(sim.describe()).decode() + "\n")
        sys.stdout.flush()
        tg.start_soon(cancel_on_signal, tg.cancel_scope)
        if replay_path is not None:
            frames = read_frames(replay_path, sim.topic_of)
            tg.start_soon(functools.partial(replay, frames, sim.publish_raw, speed=speed))
        await anyio.sleep(duration if duration is not None else float("inf"))
        tg.cancel_scope.cancel()


def run_sim(sim: SimulatorCore, *, duration: float | None, replay_path: Path | None, speed: float) -> None:
    run_on_uvloop(lambda: serve(sim, duration=duration, replay_path=replay_path, speed=speed))
