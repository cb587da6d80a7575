"""A recording's timing without its contents: per-stream inter-arrival times from a `violet record` file, which a
simulator then follows with its own market and faults.

`violet replay` sends the recorded frames themselves; this takes only when each stream spoke, so a recording from
the real venue makes a simulator exactly as busy, and as quiet, stream by stream, as the venue was. Each stream's
gaps are played in their recorded order and start again from the first when they run out.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio

from violet.domain.errors import VioletError
from violet.sim.engine.replay import read_frames

MIN_GAPS = 2


class CadenceError(VioletError, ValueError):
    """The recording gives no usable timing (no stream with at least two frames)."""


def load_cadence(path: Path, topic_of: Callable[[str], tuple[str, str] | None]) -> dict[str, list[float]]:
    """Topic -> its inter-arrival times in seconds, in recorded order."""
    last: dict[str, int] = {}
    gaps: dict[str, list[float]] = {}
    for frame in read_frames(path, topic_of):
        previous = last.get(frame.topic)
        if previous is not None:
            gaps.setdefault(frame.topic, []).append((frame.offset_ns - previous) / 1e9)
        last[frame.topic] = frame.offset_ns
    usable = {topic: g for topic, g in gaps.items() if len(g) >= MIN_GAPS - 1 and sum(g) > 0}
    if not usable:
        raise CadenceError(f"{path}: no stream has two frames to time")
    return usable


async def follow_cadence(cadence: dict[str, list[float]], emit: Callable[[str], None]) -> None:
    """Call `emit(topic)` at each stream's recorded gaps, forever (an absolute schedule: lateness never adds up)."""
    start = time.monotonic()
    cycles: dict[str, Iterator[float]] = {topic: itertools.cycle(g) for topic, g in cadence.items()}
    heap = [(start + next(cycles[topic]), topic) for topic in cadence]
    heapq.heapify(heap)
    while True:
        due, topic = heap[0]
        now = time.monotonic()
        if due > now:
            await anyio.sleep(max(due - now, 0.001))
            continue
        heapq.heapreplace(heap, (due + next(cycles[topic]), topic))
        emit(topic)
