"""Where a long run's memory growth was allocated: `tracemalloc` switched on once the run is warm, and a snapshot
shortly before it ends, so what the snapshot holds is what was allocated after the warm-up and is still alive,
grouped by the code that allocated it. That also lists bounded structures whose entries turn over (a book's levels,
the latest values, a flush in progress); with a baseline snapshot between the two, the report adds the difference
between the baseline and the end, where turnover cancels and what remains is growth. A diagnostic: tracing slows
every allocation, so a run traced this way is not one to judge latency or recovery by.
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


def growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, *, top: int = 30) -> str:
    """The sites whose held bytes grew from `before` to `after`, most first, with the net change over all sites."""
    ignored = [tracemalloc.Filter(False, pattern) for pattern in IGNORED]
    stats = after.filter_traces(ignored).compare_to(before.filter_traces(ignored), "traceback")
    net = sum(s.size_diff for s in stats)
    lines = [f"{net / 1024:+.0f} KiB net between the baseline snapshot and the end; the sites that grew:"]
    for s in [s for s in stats if s.size_diff > 0][:top]:
        lines.append(f"\n{s.size_diff / 1024:+.1f} KiB in {s.count_diff:+d} blocks")
        lines.extend(f"    {line}" for line in s.traceback.format())
    return "\n".join(lines) + "\n"


def _write(text: str, to: Path) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(text)


async def traced[T](
    run: Callable[[], Awaitable[T]],
    *,
    start_s: float,
    snapshot_s: float,
    to: Path,
    baseline_s: float | None = None,
) -> T:
    """Runs `run()`; traces from `start_s` after it began and writes `report` of a snapshot taken at `snapshot_s`
    (both while it runs) to `to`, and with `baseline_s` (between the two) also `growth` from a snapshot then."""

    async def trace() -> None:
        await anyio.sleep(start_s)
        tracemalloc.start(FRAMES)
        before = None
        if baseline_s is not None:
            await anyio.sleep(max(0.0, baseline_s - start_s))
            before = tracemalloc.take_snapshot()
        await anyio.sleep(max(0.0, snapshot_s - max(start_s, baseline_s or 0.0)))
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()

        def write() -> None:
            text = report(snapshot)
            if before is not None:
                text += "\n\n" + growth(before, snapshot)
            _write(text, to)

        await anyio.to_thread.run_sync(write)

    async with anyio.create_task_group() as tg:
        tg.start_soon(trace)
        result = await run()
        tg.cancel_scope.cancel()
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    return result
