"""`violet record --catalog`: both planes into a NautilusTrader catalog, from any adapter, while they run.

Every accepted tick is taken before conflation where the plane offers a tap (in-process adapters), else from a
subscription drained as fast as it fills (remote planes, whose bridge conflates by design; what it skipped is
counted, never invented). Ticks are buffered as violet's own values on the event loop and turned into
NautilusTrader objects and files in a worker thread, every `flush_s`: the feed's hot path pays one list append.

`ts_event` is the venue's time; `ts_init` is violet's receive time (`mono_ns`) on the wall clock, through one offset
taken when recording starts, so receive times keep their order and spacing (a wall-clock step during the recording
does not reorder them). A file holds whole `ts_init` ranges: ticks that share the newest receive time of a flush
wait for the next one, so one directory's files never overlap, as NautilusTrader requires.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from violet.app.heap import return_free_heap
from violet.domain import Clock, NormalizedTick
from violet.ports import TickTap, VenuePriceFeedPort
from violet.recording.catalog_files import HOUR_NS, MINUTE_NS, CatalogFiles
from violet.recording.nt_records import InstrumentSpec, TooPrecise, instrument, to_nautilus, venue_of
from violet.recording.period_compaction import (
    CompactionFailed,
    compact_closed_periods,
    compact_closed_periods_async,
)
from violet.recording.plane_log import PlaneLog
from violet.recording.verdict_log import VerdictLog

type GroupKey = tuple[type, str]

log = logging.getLogger("violet.recording")


class CatalogRecorder:
    """Records ticks into the catalog at `root`. `specs` by (venue as NautilusTrader names it, asset)."""

    def __init__(
        self,
        root: Path,
        specs: Mapping[tuple[str, str], InstrumentSpec],
        *,
        clock: Clock,
        flush_s: float = 5.0,
        compact_s: float = 60.0,
        period_ns: int = HOUR_NS,
        wall_ns: Callable[[], int] = time.time_ns,
        verdicts_every_s: float | None = None,
    ) -> None:
        """`verdicts_every_s`: also log what the planes answer (`violet/verdicts.jsonl`) this often."""
        self.root = root
        self.files = CatalogFiles(root)
        self._specs = dict(specs)
        self._clock = clock
        self.flush_s = flush_s
        self.compact_s = compact_s
        self._period_ns = period_ns
        self._wall_ns = wall_ns
        self._offset_ns = 0
        self._buffer: list[NormalizedTick] = []
        self._carry: dict[GroupKey, list[Any]] = {}
        self._last_end: dict[GroupKey, int] = {}
        self._trade_seq: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        """Ticks not recorded, by reason (`TooPrecise`, `no-instrument`, `out-of-order`)."""
        self.recorded: Counter[str] = Counter()
        """Records written, by NautilusTrader type (`QuoteTick`, `TradeTick`)."""
        self.skipped_by_bridge = 0
        self.flushes = 0
        self.period_compactions = 0
        """Closed periods' compactions run (each in a child process)."""
        self.removed_on_open: list[str] = []
        self.removed_on_close: list[str] = []
        """What a closed period's child killed on the way out left (`repair` at the final compaction)."""
        self.compacting_closed = False
        """A closed period's child is running (flushes go on beside it; no second one is started)."""
        self.period_compaction_failures = 0
        self.retry_after_fail_s = 600.0
        self._no_child_before = 0.0
        self.plane_log = PlaneLog(root)
        self.verdicts_every_s = verdicts_every_s
        self.verdict_log = VerdictLog(root)

    def to_wall(self, mono_ns: int) -> int:
        return mono_ns + self._offset_ns

    def open(self) -> None:
        """Repair what an interrupted recording left and write the instruments the catalog lacks (blocking)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.removed_on_open = self.files.repair()
        self._offset_ns = self._wall_ns() - self._clock.monotonic_ns()
        have = {i.id.value for i in ParquetDataCatalog(str(self.root)).instruments()}
        now = self._wall_ns()
        missing = [instrument(s, now) for s in self._specs.values() if s.instrument_id not in have]
        self.files.write(missing)

    def on_tick(self, tick: NormalizedTick) -> None:
        """The tap: called on the feed's task for every accepted tick; must not block."""
        self._buffer.append(tick)

    def take(self) -> list[NormalizedTick]:
        """What arrived since the last take (on the event loop: the swap needs no lock)."""
        taken, self._buffer = self._buffer, []
        return taken

    def flush(self, ticks: list[NormalizedTick], *, final: bool = False) -> int:
        """Write `ticks` (blocking, in a worker thread). With `final`, nothing is held back. Returns records
        written."""
        groups: dict[GroupKey, list[Any]] = defaultdict(list)
        for key, held in self._carry.items():
            groups[key].extend(held)
        self._carry = {}
        for tick in ticks:
            spec = self._specs.get((venue_of(tick.venue), tick.asset))
            if spec is None:
                self.refused["no-instrument"] += 1
                continue
            seq = self._trade_seq[spec.instrument_id] + 1 if tick.last is not None else 0
            try:
                records = to_nautilus(tick, spec, ts_init=self.to_wall(tick.mono_ns), trade_seq=seq)
            except TooPrecise:
                self.refused["TooPrecise"] += 1
                continue
            if tick.last is not None:
                self._trade_seq[spec.instrument_id] = seq
            for r in records:
                groups[(type(r), spec.instrument_id)].append(r)
        out: list[Any] = []
        for key, rows in groups.items():
            rows.sort(key=lambda r: r.ts_init)
            floor = self._last_end.get(key, -1)
            late = sum(1 for r in rows if r.ts_init <= floor)
            if late:
                self.refused["out-of-order"] += late
                rows = rows[late:]
            if not final and rows:
                newest = rows[-1].ts_init
                cut = next(i for i, r in enumerate(rows) if r.ts_init == newest)
                rows, self._carry[key] = rows[:cut], rows[cut:]
            if rows:
                self._last_end[key] = rows[-1].ts_init
                out.extend(rows)
        self.files.write(out)
        for r in out:
            self.recorded[type(r).__name__] += 1
        self.flushes += 1
        return len(out)

    def compact(self, *, final: bool = False) -> int:
        """Combine each closed period's files into one, and the open period's files of each closed minute (with
        `final`, everything). Blocking: the closed periods' child is awaited here (`compaction_step` does not).
        Without the minutes, a period of 5 s flushes would pile up 720 files per instrument and type before it
        closed, and every listing (this one, a follower's) would walk them all.

        Closed periods are combined in a child process (`period_compaction`), when one holds more than a file per
        directory (after each period closes, and again if a late flush added to it): reading an hour back left its
        memory in this one. With `final` the recording is ending, and this process with it, so everything is
        combined here, after `repair` has removed what a child killed on the way out left."""
        if final:
            self.removed_on_close = self.files.repair()
            return self.files.compact(self._period_ns)
        due = self.closed_periods_due()
        removed = 0
        if due is not None:
            removed += compact_closed_periods(self.root, self._period_ns, due)
            self.period_compactions += 1
        return removed + self._compact_minutes()

    def closed_periods_due(self) -> int | None:
        """The open period's start when a closed period holds files to combine (one listing), else None."""
        now = self._wall_ns()
        open_period = now - now % self._period_ns
        return open_period if self.files.needs_compaction(self._period_ns, keep_open_after_ns=open_period) else None

    def _compact_minutes(self) -> int:
        if self._period_ns <= MINUTE_NS:
            return 0
        now = self._wall_ns()
        return self.files.compact(
            MINUTE_NS, keep_open_after_ns=now - now % MINUTE_NS, from_ns=now - now % self._period_ns
        )

    def settle_minutes(self) -> int | None:
        """The minute's step, on one worker thread: the open period's closed minutes combined, the free heap
        returned (Arrow's pool, mimalloc, releases nothing when asked from a thread that never allocated through
        it, and anyio may hand the release to any idle worker). Returns `closed_periods_due()`, or None while a child
        runs or a failed one's retry is not yet due."""
        self._compact_minutes()
        return_free_heap()
        if self.compacting_closed or time.monotonic() < self._no_child_before:
            return None
        return self.closed_periods_due()

    async def compaction_step(self, background: anyio.abc.TaskGroup | None) -> None:
        """Each minute: `settle_minutes`, then a closed period's child, started in `background` so flushes go on
        while it runs (None: awaited here, the flushes waiting as they once did; a bench's baseline)."""
        due = await anyio.to_thread.run_sync(self.settle_minutes)
        await self.compact_closed(due, background)

    async def compact_closed(self, due: int | None, background: anyio.abc.TaskGroup | None) -> None:
        """Start the closed periods' child for `due` (from `settle_minutes`), unless one is running."""
        if due is None or self.compacting_closed:
            return
        self.compacting_closed = True
        if background is None:
            await self._run_period_child(due)
        else:
            background.start_soon(self._run_period_child, due)

    async def _run_period_child(self, keep_open_after_ns: int) -> None:
        """A child that fails leaves the closed period's files as they were (whole, readable, just more of them):
        the recording goes on, the failure is counted and logged in the child's words, and the next child is tried
        `retry_after_fail_s` later, not every minute."""
        try:
            await compact_closed_periods_async(self.root, self._period_ns, keep_open_after_ns)
            self.period_compactions += 1
        except CompactionFailed as exc:
            self.period_compaction_failures += 1
            self._no_child_before = time.monotonic() + self.retry_after_fail_s
            log.warning("%s; the recording goes on, next try in %.0f s", exc, self.retry_after_fail_s)
        finally:
            self.compacting_closed = False

    async def record(
        self,
        planes: Mapping[str, VenuePriceFeedPort],
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Record `planes` (by name) until cancelled; the last flush and a full compaction run on the way out,
        shielded, so what was received is on disk when this returns."""
        await anyio.to_thread.run_sync(self.open)
        try:
            with ExitStack() as taps:
                async with anyio.create_task_group() as tg:
                    for name, feed in planes.items():
                        if isinstance(feed, TickTap):
                            taps.enter_context(feed.tap(self.on_tick))
                        else:
                            tg.start_soon(self._drain, feed)
                        tg.start_soon(self.plane_log.follow, name, feed, self.to_wall, self._clock)
                    if self.verdicts_every_s:
                        feeds = list(planes.values())
                        tg.start_soon(self.verdict_log.follow, feeds, self.to_wall, self._clock, self.verdicts_every_s)
                    tg.start_soon(self._flush_loop)
                    task_status.started()
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(lambda: self.flush(self.take(), final=True))
                await anyio.to_thread.run_sync(lambda: self.compact(final=True))
                await anyio.to_thread.run_sync(self.plane_log.close)
                await anyio.to_thread.run_sync(self.verdict_log.close)

    async def _drain(self, feed: VenuePriceFeedPort) -> None:
        async with feed.subscribe(feed.assets()) as stream:
            try:
                async for tick in stream:
                    self.on_tick(tick)
            finally:  # the recording ends by cancellation: counted on the way out
                self.skipped_by_bridge += sum(stream.conflated_by_asset().values())

    async def _flush_loop(self) -> None:
        async with anyio.create_task_group() as background:
            next_compact = time.monotonic() + self.compact_s
            while True:
                await anyio.sleep(self.flush_s)
                ticks = self.take()
                await anyio.to_thread.run_sync(self.flush, ticks)
                await anyio.to_thread.run_sync(self.plane_log.sync)
                await anyio.to_thread.run_sync(self.verdict_log.sync)
                if time.monotonic() >= next_compact:
                    await self.compaction_step(background)
                    next_compact = time.monotonic() + self.compact_s

    def summary(self) -> dict[str, Any]:
        return {
            "catalog": str(self.root),
            "recorded": dict(self.recorded),
            "refused": dict(self.refused),
            "conflated_by_bridge": self.skipped_by_bridge,
            "flushes": self.flushes,
            "period_compactions": self.period_compactions,
            "period_compaction_failures": self.period_compaction_failures,
            "files": self.files.file_count(),
            "repaired_on_open": list(self.removed_on_open),
            "repaired_on_close": list(self.removed_on_close),
        }
