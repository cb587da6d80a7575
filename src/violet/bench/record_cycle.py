"""`violet bench record-cycle`: the recorder's own cycle (flush every `flush_s`, compact each minute, a child
combining each closed hour) on a simulated clock, fed synthetic ticks at the live run's rate, as fast as it goes.

Hours of recording in minutes, with nothing else in the process: no sockets, no planes, no simulators. A memory
trend `violet bench record` shows and this does not is not the recorder's flush, conversion, files or compaction,
but the live context around them. By default the next window's ticks are made on the event loop while a flush runs
(both allocate at once, as live); `new_thread_each` runs every flush and compaction on a thread of its own, the
worst case of worker threads coming and going (each new thread's allocations start in whatever arena it gets).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import attrs

from violet.bench.memory_parts import PARTS, MemoryParts
from violet.domain import ManualClock, NormalizedTick
from violet.recording.catalog_files import MINUTE_NS
from violet.recording.catalog_recorder import CatalogRecorder
from violet.recording.nt_records import InstrumentSpec

SECOND_NS = 1_000_000_000
VENUES = ("binance", "bingx")


@attrs.frozen(kw_only=True)
class CycleOptions:
    hours: float = 3.0
    """Simulated hours."""
    symbols: int = 50
    """Assets per venue."""
    records_per_s: float = 505.0
    """Ticks a simulated second (the 50-symbol `violet bench record` recorded ~505 a second)."""
    flush_s: float = 5.0
    new_thread_each: bool = False
    ticks_while_flushing: bool = True
    """The next window's ticks are made on the event loop while the flush runs in its thread (as live), so both
    allocate at once; off, one after the other."""
    period_minutes: int = 60
    """The recorder's compaction period (an hour in `violet record`)."""
    hour_pause_s: float = 0.0
    """The recorder's old cycle, as a baseline: flushes wait for each closed hour's child (live: ~20 s for an
    hour at 50 symbols) and this many simulated seconds of ticks pile up for the flush after it. 0 (the default):
    the recorder's cycle today, the child running beside the flushes."""
    seed: int = 7


class _Market:
    """A random walk per asset; one tick in four a trade."""

    def __init__(self, symbols: int, seed: int) -> None:
        self.assets = [f"SIM{i:03d}USDT-PERP" for i in range(symbols)]
        self._rng = random.Random(seed)
        self._cents = {a: 10_000 * (i + 1) for i, a in enumerate(self.assets)}
        self._n = 0

    def tick(self, mono_ns: int, wall_offset_ns: int) -> NormalizedTick:
        rng, self._n = self._rng, self._n + 1
        asset = self.assets[rng.randrange(len(self.assets))]
        cents = self._cents[asset] = max(100, self._cents[asset] + rng.randint(-3, 3))
        venue = VENUES[self._n % 2]
        ts_event = mono_ns + wall_offset_ns - 1_000_000
        if self._n % 4 == 0:
            return NormalizedTick.trade(venue, asset, Decimal(cents).scaleb(-2), ts_event=ts_event, mono_ns=mono_ns)
        bid, ask = Decimal(cents - 1).scaleb(-2), Decimal(cents + 1).scaleb(-2)
        return NormalizedTick.quote(venue, asset, bid, ask, ts_event=ts_event, mono_ns=mono_ns)


async def record_cycle(opts: CycleOptions, root: Path) -> dict[str, Any]:
    clock = ManualClock()
    clock.advance(SECOND_NS)
    wall_offset_ns = time.time_ns() - clock.monotonic_ns()
    market = _Market(opts.symbols, opts.seed)
    specs = {
        (venue.upper(), asset): InstrumentSpec(venue=venue.upper(), asset=asset, price_precision=2, size_precision=3)
        for venue in VENUES
        for asset in market.assets
    }
    recorder = CatalogRecorder(
        root,
        specs,
        clock=clock,
        flush_s=opts.flush_s,
        period_ns=opts.period_minutes * MINUTE_NS,
        wall_ns=lambda: wall_offset_ns + clock.monotonic_ns(),
    )
    run: Callable[..., Coroutine[Any, Any, Any]] = _on_a_new_thread if opts.new_thread_each else _on_a_worker_thread
    parts = MemoryParts()
    per_flush = max(1, round(opts.records_per_s * opts.flush_s))
    flush_ns = int(opts.flush_s * SECOND_NS)
    flushes = int(opts.hours * 3600 / opts.flush_s)
    next_minute_ns = clock.monotonic_ns() + MINUTE_NS
    t0, sim0 = time.monotonic(), clock.monotonic_ns()
    await anyio.to_thread.run_sync(recorder.open)
    ticks = await _window(market, clock.monotonic_ns(), flush_ns, per_flush, wall_offset_ns)
    piled: list[NormalizedTick] = []
    async with anyio.create_task_group() as background:  # the hour's child, beside the flushes (as live)
        for _ in range(flushes):
            clock.advance(flush_ns)
            piled = []
            if opts.ticks_while_flushing:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(run, recorder.flush, ticks)
                    ticks = await _window(market, clock.monotonic_ns(), flush_ns, per_flush, wall_offset_ns, chunk=50)
            else:
                await run(recorder.flush, ticks)
                ticks = await _window(market, clock.monotonic_ns(), flush_ns, per_flush, wall_offset_ns)
            if clock.monotonic_ns() >= next_minute_ns:
                hours_before = recorder.period_compactions
                due = await run(recorder.settle_minutes)
                await recorder.compact_closed(due, None if opts.hour_pause_s else background)
                if opts.hour_pause_s and recorder.period_compactions > hours_before:
                    pause_ns = int(opts.hour_pause_s * SECOND_NS)
                    waiting = round(opts.records_per_s * opts.hour_pause_s)
                    piled = await _window(market, clock.monotonic_ns(), pause_ns, waiting, wall_offset_ns)
                    ticks += piled
                    clock.advance(pause_ns)
                parts.sample((clock.monotonic_ns() - sim0) / SECOND_NS)
                next_minute_ns += MINUTE_NS
    # What each flush held back, and a pause's pile when the last step brought one (its time was simulated; the
    # next window's ticks were not).
    await anyio.to_thread.run_sync(lambda: recorder.flush(piled, final=True))
    await anyio.to_thread.run_sync(lambda: recorder.compact(final=True))
    simulated_s = (clock.monotonic_ns() - sim0) / SECOND_NS
    return {
        "options": attrs.asdict(opts),
        "wall_s": round(time.monotonic() - t0, 1),
        "simulated_s": simulated_s,
        "recorder": recorder.summary(),
        "memory_parts": parts.summary(simulated_s / 2),
    }


async def _window(
    market: _Market, start_ns: int, span_ns: int, n: int, wall_offset_ns: int, *, chunk: int = 0
) -> list[NormalizedTick]:
    """The ticks of one flush window; with `chunk`, built a chunk at a time on the event loop, which lets the flush
    thread run between chunks as a live plane's ticks arrive while a flush runs."""
    ticks: list[NormalizedTick] = []
    for k in range(n):
        ticks.append(market.tick(start_ns + k * span_ns // n, wall_offset_ns))
        if chunk and k % chunk == chunk - 1:
            await anyio.lowlevel.checkpoint()
    return ticks


async def _on_a_worker_thread[T](fn: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(fn, *args)


async def _on_a_new_thread[T](fn: Callable[..., T], *args: object) -> T:
    def spawn_and_join() -> T:
        outcome: list[T] = []
        error: list[BaseException] = []

        def body() -> None:
            try:
                outcome.append(fn(*args))
            except BaseException as exc:  # raised again on the joining side
                error.append(exc)

        thread = threading.Thread(target=body, name="record-cycle")
        thread.start()
        thread.join()
        if error:
            raise error[0]
        return outcome[0]

    return await anyio.to_thread.run_sync(spawn_and_join)


def summary_lines(result: dict[str, Any]) -> list[str]:
    parts = result["memory_parts"]
    lines = [
        f"{result['simulated_s'] / 3600:.2f} simulated hours in {result['wall_s']:.0f} s; "
        f"{sum(result['recorder']['recorded'].values()):,} records, {result['recorder']['files']} files, "
        f"{result['recorder']['period_compactions']} hour compactions (each in a child)",
        "trend over the second half (Theil-Sen, per simulated hour):",
    ]
    for part in PARTS:
        if part == "rss_file":
            continue
        p = parts[part]
        if p["start"] is None:
            continue
        unit = "blocks" if part == "python_blocks" else "MiB"
        slope = p["slope_per_hour"]
        lines.append(
            f"  {part:17s} {p['start']:10.1f} -> {p['end']:10.1f} {unit}"
            + ("" if slope is None else f"  {slope:+.2f} {unit}/h")
        )
    return lines
