"""Where a long run's memory growth was allocated: `tracemalloc` switched on once the run is warm, and a snapshot
shortly before it ends, so what the snapshot holds is what was allocated after the warm-up and is still alive (the
growth), grouped by the code that allocated it. A diagnostic: tracing slows every allocation, so a run traced this
way is not one to judge latency or recovery by.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

FRAMES = 12
IGNORED = ("tracemalloc", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>", "<unknown>")


def report(snapshot: tracemalloc.Snapshot, *, top: int = 30) -> str:
    """The `top` allocation sites by bytes still held, each with its traceback (innermost last)."""
    kept = snapshot.filter_traces([tracemalloc.Filter(False, pattern) for pattern in IGNORED])
    stats = kept.statistics("traceback")
    total = sum(s.size for s in stats)
    lines = [f"{total / 1024:.0f} KiB held in {sum(s.count for s in stats)} blocks allocated after tracing began"]
    for s in stats[:top]:
        lines.append(f"\n{s.size / 1024:.1f} KiB in {s.count} blocks")
        lines.extend(f"    {line}" for line in s.traceback.format())
    return "\n".join(lines) + "\n"


def _write(text: str, to: Path) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(text)


async def traced[T](run: Callable[[], Awaitable[T]], *, start_s: float, snapshot_s: float, to: Path) -> T:
    """Runs `run()`; traces from `start_s` after it began and writes `report` of a snapshot taken at `snapshot_s`
    (both while it runs) to `to`."""

    async def trace() -> None:
        await anyio.sleep(start_s)
        tracemalloc.start(FRAMES)
        await anyio.sleep(max(0.0, snapshot_s - start_s))
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        await anyio.to_thread.run_sync(lambda: _write(report(snapshot), to))

    async with anyio.create_task_group() as tg:
        tg.start_soon(trace)
        result = await run()
        tg.cancel_scope.cancel()
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    return result
