"""When each stream (and the whole plane) last came back from an outage, and what that says of a venue-stamped tick.

A tick the venue stamped before its stream came back was sent while nothing of that stream reached us: a socket
backlog read after a stall, a feed process drained after SIGSTOP. The venue may have sent newer values that are still
unread, so its own age is all that can vouch for it: it is judged by the venue's clock against the budget alone,
without the skew allowance ticks sent while connected get (found by the chaos run's oracle, seed 7: four quotes
served fresh 120 ms after a feed shard was continued, replaced by the venue 1.0-1.1 s before).
"""

from __future__ import annotations

from collections.abc import Iterable

from violet.delivery.carriers import Stream
from violet.domain import NormalizedTick, TickKind


class Recoveries:
    __slots__ = ("_plane", "_streams")

    def __init__(self) -> None:
        self._streams: dict[Stream, int] = {}
        self._plane = 0

    def streams_back(self, streams: Iterable[Stream], wall_ns: int) -> None:
        for stream in streams:
            self._streams[stream] = wall_ns

    def plane_back(self, wall_ns: int) -> None:
        self._plane = wall_ns

    def sent_while_down(self, tick: NormalizedTick, kinds: tuple[TickKind, ...]) -> bool:
        """The venue stamped `tick` before the last recovery of the plane or of one of its streams."""
        back = max(self._plane, *(self._streams.get((tick.asset, kind), 0) for kind in kinds))
        return tick.ts_event < back
