"""`violet bench record`: what recording both planes into a NautilusTrader catalog costs, and what the recording is
worth, in one run.

The system is the embedded defaults' shape at N symbols (both simulators on the live profile, the alpha plane in a
`violet feed` process behind shared memory, BingX in-process), with a reader draining both planes as a reactor
would. First the planes alone (the baseline), then the same with `CatalogRecorder` added: the recording process's
CPU in each phase (and their ratio), its RSS through both. Then the catalog: bytes on disk per million records,
files, NautilusTrader loading it and running its backtest engine over all of it, and the history adapter replaying it
as fast as possible through `open_planes` (ticks/s through the port).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import attrs
import psutil
from hdrh.histogram import HdrHistogram

from violet.api import open_planes
from violet.bench.memory_parts import PARTS, MemoryParts
from violet.bench.nt_backtest import run_backtest
from violet.bench.sim_process import stop_sim
from violet.bench.system_soak import MIB, ProcessTrack
from violet.chaos.run import config, start_sims
from violet.config.schema import replay_config
from violet.domain import Clock, NormalizedTick
from violet.ports import VenuePriceFeedPort
from violet.recording.catalog_files import MINUTE_NS
from violet.recording.catalog_recorder import CatalogRecorder
from violet.recording.instrument_specs import load_specs
from violet.study.read_planes import read_to_the_end


@attrs.frozen(kw_only=True)
class RecordCostOptions:
    minutes: float
    baseline_minutes: float
    symbols: int
    rate: float
    flush_s: float
    sample_s: float = 5.0
    period_minutes: int = 60


@attrs.define
class _Phase:
    name: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    ticks: int = 0
    delays_ns: HdrHistogram = attrs.field(factory=lambda: HdrHistogram(1, 60_000_000_000, 3))
    """Each tick's receive -> read by the draining reader: what a reactor in this process waits, recording or not
    (the recorder's flush thread holds the GIL while it builds NautilusTrader objects). A histogram, not a list:
    the bench judges the recorder's RSS, and its own bookkeeping must not grow with the ticks."""

    def to_json(self) -> dict[str, Any]:
        delays = self.delays_ns
        return {
            "phase": self.name,
            "seconds": round(self.wall_s, 1),
            "cpu_percent_of_one_core": round(100 * self.cpu_s / self.wall_s, 1) if self.wall_s else None,
            "ticks_read": self.ticks,
            "cpu_us_per_tick": round(1e6 * self.cpu_s / self.ticks, 2) if self.ticks else None,
            "receive_to_read_ms": None
            if not delays.get_total_count()
            else {
                q: round(delays.get_value_at_percentile(v) / 1e6, 3)
                for q, v in (("p50", 50), ("p99", 99), ("p999", 99.9))
            }
            | {"max": round(delays.get_max_value() / 1e6, 3)},
        }


@attrs.define
class _Reader:
    """Drains both planes the whole run, as a reactor would, into the phase under way."""

    clock: Clock
    phase: _Phase | None = None
    seen: Counter[str] = attrs.field(factory=Counter)

    async def drain(self, name: str, feed: VenuePriceFeedPort) -> None:
        async with feed.subscribe(feed.assets()) as stream:
            async for tick in stream:
                self.seen[name] += 1
                if self.phase is not None:
                    self.phase.delays_ns.record_value(max(1, self.clock.monotonic_ns() - tick.mono_ns))


def _cpu_s(proc: psutil.Process) -> float:
    """With the children that ended (the recorder's period compactions run in one each); the simulators and feed
    shards, also children, run to the end and are never in it."""
    t = proc.cpu_times()
    return float(t.user + t.system + t.children_user + t.children_system)


def _bytes_under(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


PARTS_EVERY = 12
"""The memory parts every 12th RSS sample (a minute at 5 s): mallinfo2 walks every malloc arena."""


async def _phase(
    phase: _Phase, seconds: float, reader: _Reader, track: ProcessTrack, parts: MemoryParts, t0: float, every_s: float
) -> None:
    proc = psutil.Process()
    seen = reader.seen
    reader.phase = phase
    cpu0, wall0, ticks0 = _cpu_s(proc), time.monotonic(), seen.total()
    end = wall0 + seconds
    n = 0
    while (now := time.monotonic()) < end:
        track.sample(now - t0)
        if n % PARTS_EVERY == 0:
            parts.sample(now - t0)
        n += 1
        await anyio.sleep(min(every_s, end - now))
    track.sample(time.monotonic() - t0)
    phase.wall_s = time.monotonic() - wall0
    phase.cpu_s = _cpu_s(proc) - cpu0
    phase.ticks = seen.total() - ticks0


async def record_cost(opts: RecordCostOptions, root: Path) -> dict[str, Any]:
    sims = await start_sims(opts.symbols, opts.rate)
    track = ProcessTrack("recording process", os.getpid())
    parts = MemoryParts()
    baseline, recording = _Phase("planes alone (baseline)"), _Phase("planes + recording")
    try:
        assets = list(sims["binance"].info["symbols"])
        cfg = config(sims["binance"], sims["bingx"], assets, shards=1)
        async with open_planes(cfg) as planes, anyio.create_task_group() as tg:
            assert planes.config is not None
            reader = _Reader(planes.clock)
            tg.start_soon(reader.drain, "alpha", planes.alpha)
            tg.start_soon(reader.drain, "venue", planes.venue)
            t0 = time.monotonic()
            await _phase(baseline, opts.baseline_minutes * 60, reader, track, parts, t0, opts.sample_s)
            specs = await load_specs(planes.config, planes.alpha.assets(), planes.venue.assets())
            recorder = CatalogRecorder(
                root, specs, clock=planes.clock, flush_s=opts.flush_s, period_ns=opts.period_minutes * MINUTE_NS
            )
            recording_started_s = time.monotonic() - t0
            async with anyio.create_task_group() as rec:
                await rec.start(recorder.record, {"alpha": planes.alpha, "venue": planes.venue})
                await _phase(recording, opts.minutes * 60, reader, track, parts, t0, opts.sample_s)
                rec.cancel_scope.cancel()
            summary = recorder.summary()
            tg.cancel_scope.cancel()
    finally:
        for sim in sims.values():
            await stop_sim(sim)

    records = sum(recorder.recorded.values())
    disk = _bytes_under(root / "data")
    backtest = await anyio.to_thread.run_sync(run_backtest, root)
    replay = await _replay(root, assets)
    half = recording_started_s + opts.minutes * 30  # the recording's second half: past its own warm-up
    return {
        "symbols": opts.symbols,
        "rate_per_venue": opts.rate,
        "flush_s": opts.flush_s,
        "period_minutes": opts.period_minutes,
        "phases": [baseline.to_json(), recording.to_json()],
        "cpu_ratio_recording_to_baseline": round(
            recording.cpu_s / recording.wall_s / (baseline.cpu_s / baseline.wall_s), 3
        )
        if baseline.cpu_s and recording.wall_s
        else None,
        "rss": track.summary(half, 0.0) | {"judged_from_s": round(half, 1)},
        "memory_parts": parts.summary(half),
        "recorder": summary,
        "catalog": {
            "records": records,
            "bytes": disk,
            "mib": round(disk / MIB, 2),
            "bytes_per_record": round(disk / records, 1) if records else None,
            "mib_per_million_records": round(disk / MIB / (records / 1e6), 1) if records else None,
            "files": sum(1 for _ in (root / "data").rglob("*.parquet")),
        },
        "nautilus": {
            "instruments": backtest.instruments,
            "quotes": backtest.in_catalog[0],
            "trades": backtest.in_catalog[1],
            "backtest_saw_every_record": backtest.seen == backtest.in_catalog,
            "crossed_quotes": backtest.crossed,
            "catalog_load_s": round(backtest.load_s, 2),
            "backtest_run_s": round(backtest.run_s, 2),
        },
        "replay": replay,
    }


async def _replay(root: Path, assets: list[str]) -> dict[str, Any]:
    """The recording through the port, as fast as possible: every tick of both planes read to the end."""
    cfg = replay_config(str(root), assets)
    seen: Counter[str] = Counter()

    def count(plane: str, _: NormalizedTick) -> None:
        seen[plane] += 1

    async with open_planes(cfg) as planes:
        t0 = time.perf_counter()
        conflated = await read_to_the_end({"alpha": planes.alpha, "venue": planes.venue}, count)
        seconds = time.perf_counter() - t0
    return {
        "ticks": dict(seen),
        "seconds": round(seconds, 2),
        "ticks_per_s": round(seen.total() / seconds) if seconds else None,
        "conflated": conflated,
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        f"{p['phase']}: {p['seconds']:.0f} s, CPU {p['cpu_percent_of_one_core']}% of a core, "
        f"{p['ticks_read']} ticks read, {p['cpu_us_per_tick']} us CPU per tick, "
        f"receive->read ms {p['receive_to_read_ms']}"
        for p in result["phases"]
    ]
    lines.append(f"CPU recording/baseline: {result['cpu_ratio_recording_to_baseline']}x")
    rss = result["rss"]
    lines.append(
        f"RSS: {rss['rss_start_mib']:.0f} -> {rss['rss_end_mib']:.0f} MiB; slope over the recording's second half "
        f"{rss['slope_mib_per_hour']:.2f} MiB/h"
        if rss["slope_mib_per_hour"] is not None
        else "RSS: too few samples"
    )
    mem = result["memory_parts"]
    slopes = ", ".join(
        f"{part} {mem[part]['slope_per_hour']:+.2f}" for part in PARTS if mem[part]["slope_per_hour"] is not None
    )
    lines.append(f"memory parts per hour over that half (MiB; Python in blocks): {slopes or 'too few samples'}")
    c = result["catalog"]
    lines.append(
        f"catalog: {c['records']} records, {c['mib']} MiB in {c['files']} files: {c['mib_per_million_records']} MiB "
        f"per million records"
    )
    n = result["nautilus"]
    lines.append(
        f"NautilusTrader: {n['quotes']} quotes, {n['trades']} trades, {n['instruments']} instruments loaded in "
        f"{n['catalog_load_s']} s; backtest over all of it in {n['backtest_run_s']} s "
        f"(every record seen: {n['backtest_saw_every_record']})"
    )
    r = result["replay"]
    lines.append(
        f"replay through the port: {sum(r['ticks'].values())} ticks in {r['seconds']} s = {r['ticks_per_s']} ticks/s "
        f"(conflated {sum(r['conflated'].values())})"
    )
    return lines
