"""One replay drives every history plane on one clock, in recorded receive order across planes.

Both planes replay from one merged sequence: replayed apart, an as-fast-as-possible alpha plane would run ahead of
the venue plane and a reactor would compare prices from different moments. Each record moves the clock to its
receive time (a paced clock is waited for instead), so ages, budgets and verdicts are what they were live; the
recorded plane health (assets down, outages) is replayed on the same clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import anyio
import anyio.lowlevel

from violet.adapters.history.clocks import PacedClock, ReplayClock, SteppedClock
from violet.adapters.history.records import WINDOW_NS, CatalogFollower, HistoryRecord, span, windows
from violet.recording.plane_log import PlaneChange, read_changes

FOLLOW_POLL_S = 0.02
START_GRACE_S = 2.0
"""A replay starts once every plane has a subscriber (a reactor that subscribes to both misses nothing, however fast
the replay), or this long after the planes opened, for a reactor that only reads `latest()`."""


class ReplayTarget(Protocol):
    def on_record(self, record: HistoryRecord) -> None: ...

    def on_change(self, state: str, assets_down: tuple[str, ...]) -> None: ...

    def on_end(self) -> None: ...


type Event = tuple[int, int, str, HistoryRecord | PlaneChange]
"""(receive time, 0 for a health change / 1 for a record: a change at the same time applies first, catalog venue,
what)."""


class HistoryReplay:
    def __init__(
        self,
        root: Path,
        *,
        speed: float = 0.0,
        follow: bool = False,
        clock: ReplayClock | None = None,
        poll_s: float = FOLLOW_POLL_S,
    ) -> None:
        """`speed`: 1 = the recorded pace, N = N times faster, 0 = as fast as possible. `follow`: keep reading what a
        recording still running adds (as fast as it arrives)."""
        self.root = root
        self.speed = speed
        self.follow = follow
        self.poll_s = poll_s
        if clock is None:  # nothing is read here: the composition root builds, the run reads
            clock = PacedClock(speed) if speed > 0 and not follow else SteppedClock(0)
        self.clock = clock
        self._targets: dict[str, ReplayTarget] = {}
        self._subscribed: set[str] = set()
        self._all_subscribed = anyio.Event()
        self.finished = anyio.Event()
        self.replayed = 0

    def _catalog_span(self) -> tuple[int, int] | None:
        spans = [s for v in ("BINANCE", "BINGX") if (s := span(self.root, v)) is not None]
        return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None

    def attach(self, catalog_venue: str, target: ReplayTarget) -> None:
        self._targets[catalog_venue] = target

    def subscribed(self, catalog_venue: str) -> None:
        self._subscribed.add(catalog_venue)
        if self._subscribed >= set(self._targets):
            self._all_subscribed.set()

    async def run(self) -> None:
        span = None if self.follow else await anyio.to_thread.run_sync(self._catalog_span)
        with anyio.move_on_after(START_GRACE_S):
            await self._all_subscribed.wait()
        self.clock.start(self.clock.monotonic_ns() if span is None else span[0])
        if span is not None:
            await self._replay(span)
        elif self.follow:
            await self._follow()
        for target in self._targets.values():
            target.on_end()
        self.finished.set()

    def _dispatch(self, venue: str, what: HistoryRecord | PlaneChange) -> None:
        target = self._targets[venue]
        if isinstance(what, HistoryRecord):
            target.on_record(what)
            self.replayed += 1
        else:
            target.on_change(what.state, what.assets_down)

    async def _replay(self, span: tuple[int, int]) -> None:
        if not self._targets:
            return
        changes = [c for c in read_changes(self.root) if c.venue in self._targets]
        t = span[0]
        while t <= span[1]:
            hi = min(span[1], t + WINDOW_NS - 1)
            window = await anyio.to_thread.run_sync(self._read_window, t, hi, changes)
            for ts, _, venue, what in window:
                wait = self.clock.wait_ns(ts)
                if wait > 0:
                    await anyio.sleep(wait)
                self.clock.advance_to(ts)
                self._dispatch(venue, what)
                await anyio.lowlevel.checkpoint()  # a consumer reading every tick gets to run between them
            t = hi + 1

    def _read_window(self, lo: int, hi: int, changes: list[PlaneChange]) -> list[Event]:
        parts: list[Iterator[Event]] = [self._records(venue, lo, hi) for venue in self._targets]
        parts.append((c.wall_ns, 0, c.venue, c) for c in changes if lo <= c.wall_ns <= hi)
        return list(heapq.merge(*parts, key=lambda e: (e[0], e[1])))

    def _records(self, venue: str, lo: int, hi: int) -> Iterator[Event]:
        for r in windows(self.root, venue, lo, hi, window_ns=hi - lo + 1):
            yield r.ts_init, 1, venue, r

    async def _follow(self) -> None:
        followers = {venue: CatalogFollower(self.root, venue) for venue in self._targets}
        while True:
            for venue, follower in followers.items():
                for record in await anyio.to_thread.run_sync(follower.poll):
                    self.clock.advance_to(record.ts_init)
                    self._dispatch(venue, record)
                    await anyio.lowlevel.checkpoint()
            await anyio.sleep(self.poll_s)
