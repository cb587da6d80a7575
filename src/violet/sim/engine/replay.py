"""Replay of recorded frames (JSONL) through a running simulator, at original or scaled speed.

Each line is `{"recv_ns": <int>, "frame": "<text as received>"}` (what `violet record` writes); the venue
says which topic a frame belongs to, and it goes to the connections subscribed to that topic.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import anyio.lowlevel
import attrs
import msgspec


@attrs.frozen
class ReplayFrame:
    offset_ns: int
    topic: str
    payload: str


class _Line(msgspec.Struct):
    recv_ns: int
    frame: str


def read_frames(path: Path, topic_of: Callable[[str], tuple[str, str] | None]) -> Iterator[ReplayFrame]:
    """Frames of a recording with their offsets from the first; frames with no known topic are skipped."""
    opener = gzip.open if path.suffix == ".gz" else open
    decoder = msgspec.json.Decoder(_Line)
    first: int | None = None
    with opener(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            line = decoder.decode(raw)
            routed = topic_of(line.frame)
            if routed is None:
                continue
            first = line.recv_ns if first is None else first
            yield ReplayFrame(line.recv_ns - first, routed[0], routed[1])


async def replay(frames: Iterator[ReplayFrame], publish: Callable[[str, str], None], *, speed: float = 1.0) -> int:
    """Publish each frame at its offset divided by `speed` (0 = as fast as possible); returns the count."""
    t0 = time.monotonic_ns()
    n = 0
    for frame in frames:
        if speed > 0:
            due = t0 + int(frame.offset_ns / speed)
            wait = due - time.monotonic_ns()
            if wait > 0:
                await anyio.sleep(wait / 1e9)
        publish(frame.topic, frame.payload)
        n += 1
        if n % 256 == 0:
            await anyio.lowlevel.checkpoint()
    return n
