"""One replay drives every history plane on one clock, in recorded receive order across planes.

Both planes replay from one merged sequence: replayed apart, an as-fast-as-possible alpha plane would run ahead of
the venue plane and a reactor would compare prices from different moments. Each record moves the clock to its
receive time (a paced clock is waited for instead), so ages, budgets and verdicts are what they were live; the
recorded plane health (assets down, outages) is replayed on the same clock.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import anyio
import anyio.lowlevel

from violet.adapters.history.clocks import PacedClock, ReplayClock, SteppedClock
from violet.adapters.history.records import WINDOW_NS, CatalogFollower, CatalogSource, HistoryRecord, Refused
from violet.adapters.history.verdict_check import Answers, VerdictAgreement, VerdictCheck
from violet.recording.plane_log import PlaneChange, read_changes
from violet.recording.verdict_log import VerdictSample, read_verdicts

log = logging.getLogger("violet.history")
FOLLOW_POLL_S = 0.02
START_GRACE_S = 2.0
YIELD_EVERY = 64
"""A replay starts once every plane has a subscriber (a reactor that subscribes to both misses nothing, however fast
the replay), or this long after the planes opened, for a reactor that only reads `latest()`."""


class ReplayTarget(Answers, Protocol):
    def on_record(self, record: HistoryRecord) -> None: ...

    def on_refused(self, reason: str) -> None: ...

    def unread(self, record: HistoryRecord) -> bool: ...

    def on_change(self, state: str, assets_down: tuple[str, ...]) -> None: ...

    def on_end(self) -> None: ...


class RecordSource(Protocol):
    """Where records come from: a catalog (`CatalogSource`) or raw recorded frames (`FrameSource`)."""

    def span(self, venue: str) -> tuple[int, int] | None: ...

    def records(self, venue: str, lo: int, hi: int) -> Iterator[HistoryRecord | Refused]:
        """Records with `lo <= ts_init <= hi` in `ts_init` order; windows are asked for in order."""
        ...


type Event = tuple[int, int, str, HistoryRecord | Refused | PlaneChange | VerdictSample]
"""(receive time, 0 for a health change / 1 for a record / 2 for a recorded verdict: a change at the same time applies
first, a verdict is checked after what arrived at its moment; catalog venue, what)."""


class HistoryReplay:
    def __init__(
        self,
        root: Path | None,
        *,
        source: RecordSource | None = None,
        speed: float = 0.0,
        follow: bool = False,
        clock: ReplayClock | None = None,
        poll_s: float = FOLLOW_POLL_S,
    ) -> None:
        """`speed`: 1 = the recorded pace, N = N times faster, 0 = as fast as possible. `follow`: keep reading what a
        recording still running adds (as fast as it arrives). `root`: the catalog (with the plane health and
        verdicts recorded beside it); `source`: where records come from instead (raw frames), `root` then only for
        the logs, if any."""
        if follow and (root is None or source is not None):
            raise ValueError("only a catalog being written can be followed")
        if source is None:
            if root is None:
                raise ValueError("a replay needs a catalog or a record source")
            source = CatalogSource(root)
        self.root = root
        self._source = source
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
        self._checks: dict[str, VerdictCheck] = {}
        self.replayed = 0

    def _catalog_span(self) -> tuple[int, int] | None:
        spans = [s for v in ("BINANCE", "BINGX") if (s := self._source.span(v)) is not None]
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
        for venue, agreement in self.verdicts().items():
            log.info("history: %s verdicts against the recorded live ones: %s", venue, agreement.to_json())
        for target in self._targets.values():
            target.on_end()
        self.finished.set()

    def _dispatch(self, venue: str, what: HistoryRecord | Refused | PlaneChange | VerdictSample) -> None:
        target = self._targets[venue]
        if isinstance(what, HistoryRecord):
            target.on_record(what)
            self.replayed += 1
        elif isinstance(what, Refused):
            target.on_refused(what.reason)
        elif isinstance(what, PlaneChange):
            target.on_change(what.state, what.assets_down)
        else:
            self._checks[venue].check(what, target, self.clock.monotonic_ns())

    def verdicts(self) -> dict[str, VerdictAgreement]:
        """Per catalog venue: the replay against the verdicts recorded live (empty where none were recorded)."""
        return {venue: check.result for venue, check in self._checks.items() if check.result.checked}

    async def _replay(self, span: tuple[int, int]) -> None:
        if not self._targets:
            return
        changes = [] if self.root is None else [c for c in read_changes(self.root) if c.venue in self._targets]
        self._checks = {
            venue: VerdictCheck(sorted(c.wall_ns for c in changes if c.venue == venue)) for venue in self._targets
        }
        verdicts = iter(()) if self.root is None else read_verdicts(self.root)
        samples = _Samples(s for s in verdicts if s.venue in self._targets)
        t = span[0]
        while t <= span[1]:
            hi = min(span[1], t + WINDOW_NS - 1)
            window = await anyio.to_thread.run_sync(self._read_window, t, hi, changes, samples)
            for n, (ts, _, venue, what) in enumerate(window):
                wait = self.clock.wait_ns(ts)
                if wait > 0:
                    await anyio.sleep(wait)
                elif n % YIELD_EVERY == 0 or (isinstance(what, HistoryRecord) and self._targets[venue].unread(what)):
                    # A reader that has not taken the last tick of this asset gets to run first: as fast as possible
                    # never means conflated for a reader that keeps up. Else a turn every few records only: a loop
                    # turn per record halved the replay's speed.
                    await anyio.lowlevel.checkpoint()
                self.clock.advance_to(ts)
                self._dispatch(venue, what)
            t = hi + 1

    def _read_window(self, lo: int, hi: int, changes: list[PlaneChange], samples: _Samples) -> list[Event]:
        parts: list[Iterator[Event]] = [self._records(venue, lo, hi) for venue in self._targets]
        parts.append((c.wall_ns, 0, c.venue, c) for c in changes if lo <= c.wall_ns <= hi)
        parts.append((v.wall_ns, 2, v.venue, v) for v in samples.between(lo, hi))
        return list(heapq.merge(*parts, key=lambda e: (e[0], e[1])))

    def _records(self, venue: str, lo: int, hi: int) -> Iterator[Event]:
        for r in self._source.records(venue, lo, hi):
            yield r.ts_init, 1, venue, r

    async def _follow(self) -> None:
        assert self.root is not None  # checked when built
        followers = {venue: CatalogFollower(self.root, venue) for venue in self._targets}
        while True:
            for venue, follower in followers.items():
                for record in await anyio.to_thread.run_sync(follower.poll):
                    self.clock.advance_to(record.ts_init)
                    self._dispatch(venue, record)
                    await anyio.lowlevel.checkpoint()
            await anyio.sleep(self.poll_s)


class _Samples:
    """Recorded verdicts in time order (as they were appended), taken one window at a time."""

    def __init__(self, samples: Iterator[VerdictSample]) -> None:
        self._it = samples
        self._next: VerdictSample | None = next(self._it, None)

    def between(self, lo: int, hi: int) -> list[VerdictSample]:
        out = []
        while self._next is not None and self._next.wall_ns <= hi:
            if self._next.wall_ns >= lo:
                out.append(self._next)
            self._next = next(self._it, None)
        return out
