"""`violet bench burst`: a liquidation cascade on the alpha plane, through 1 and N feed shards in one run.

The Binance simulator runs at a steady rate; after a steady phase it is told `cascade:FACTOR:SECONDS` (the rate
times FACTOR for SECONDS) and then returns to the steady rate. `violet feed` runs as N shard processes (each its own
NautilusTrader node and sockets) publishing into shared memory; this process reads the plane with the remote_shm
adapter, as a reactor does. Reported per phase (steady, burst, after): send -> delivery latency, what became of the
sends (delivered, conflated, dropped), how much of the time every asset had a fresh quote; and how long after the
burst until every asset was fresh again, the outages the reader saw (none are injected) and every process's CPU.
"""

from __future__ import annotations

import gc
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import msgspec
import psutil

from violet.app.processes import spawn_ready, stop_process
from violet.bench.markdown_table import table
from violet.bench.records import Record, delivery, fields, summarize
from violet.bench.sim_process import cpu_seconds, settle, sim_fault, sim_post, start_sim, stop_sim
from violet.composition import build_plane
from violet.config import BinanceConfig, BridgeConfig, FeedConfig, PlaneConfig, VioletConfig, dump_config
from violet.domain import SystemClock, TickKind
from violet.ports import RejectionReasons

SAMPLE_S = 0.01


async def burst_run(
    *, shards: int, symbols: int, rate: float, factor: float, burst_s: float, steady_s: float, after_s: float
) -> dict[str, Any]:
    sim = await start_sim("binance", symbols=symbols, rate=rate, tls=False, pin=False)
    try:
        assets = list(sim.info["symbols"])
        prefix = f"bu{secrets.token_hex(3)}"
        cfg = VioletConfig(
            alpha=PlaneConfig(adapter="remote_shm", assets=assets),
            venue=PlaneConfig(adapter="in_memory"),
            binance=BinanceConfig(http_url=sim.info["http"], ws_url=sim.info["ws"]),
            bridge=BridgeConfig(shm_prefix=prefix),
            feed=FeedConfig(shards=shards, health_interval_s=3600.0),
        )
        async with AsyncExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="violet-burst-")))
            (tmp / "feed.toml").write_text(dump_config(cfg))
            pids = {"simulator": sim.proc.pid, "reactor (this process)": psutil.Process().pid}
            for shard in range(shards):
                cmd = [sys.executable, "-m", "violet", "feed", "--config", str(tmp / "feed.toml")]
                proc, _ = await spawn_ready([*cmd, "--shard", str(shard)], name=f"feed shard {shard}", timeout_s=120)
                stack.push_async_callback(stop_process, proc)
                pids[f"feed shard {shard}"] = proc.pid
            reader, _ = build_plane("alpha", cfg, SystemClock())
            await stack.enter_async_context(reader)
            stream = await stack.enter_async_context(reader.subscribe(assets))
            records: list[Record] = []
            samples: list[tuple[int, int]] = []

            async def consume() -> None:
                async for tick in stream:
                    records.append((fields(tick), time.monotonic_ns()))  # noqa: PERF401 - as each arrives

            async def sample() -> None:
                while True:
                    fresh = sum(reader.latest(a, kind=TickKind.QUOTE).fresh for a in assets)
                    samples.append((time.monotonic_ns(), fresh))
                    await anyio.sleep(SAMPLE_S)

            tg = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(tg.cancel_scope.cancel)
            tg.start_soon(consume)
            await settle(sim, 2 * len(assets))
            tg.start_soon(sample)
            reconnects0 = reader.counters().reconnects
            conflated0 = reader.counters().conflated
            cpu0 = cpu_seconds(pids)
            t0 = time.monotonic_ns()
            await anyio.sleep(steady_s)
            burst_at = time.monotonic_ns()
            await sim_fault(sim, f"cascade:{factor:g}:{burst_s:g}")
            cpu_b0 = cpu_seconds(pids)
            await anyio.sleep(burst_s)
            burst_end = time.monotonic_ns()
            cpu_b1 = cpu_seconds(pids)
            await anyio.sleep(after_s)
            t_end = time.monotonic_ns()
            cpu1 = cpu_seconds(pids)
            await anyio.sleep(0.5)  # sends of the last moments still in flight
            conflated = reader.counters().conflated - conflated0
            outages = reader.counters().reconnects - reconnects0
            refused = reader.rejected_by_reason() if isinstance(reader, RejectionReasons) else {}
            sends = await sim_post(sim, "/__sim/sendlog")
        gc.unfreeze()
    finally:
        await stop_sim(sim)
    phases = {"steady": (t0, burst_at), "burst": (burst_at, burst_end), "after": (burst_end, t_end)}
    report: dict[str, Any] = {
        "shards": shards,
        "assets": len(assets),
        "outages_seen": outages,
        "reader_refused": refused,
    }
    for name, (a, b) in phases.items():
        window = [s for s in sends if a <= s[4] < b]
        stats = summarize(records, window, 0.0)
        fate = delivery(records, sends, window, conflated)
        in_phase = [n for t, n in samples if a <= t < b]
        report[name] = {
            "sends": fate.sent,
            "msgs_per_s": fate.sent / ((b - a) / 1e9),
            "p50_ms": stats.p50_us / 1e3,
            "p99_ms": stats.p99_us / 1e3,
            "max_ms": stats.max_us / 1e3,
            "delivered": fate.delivered,
            "conflated": fate.conflated,
            "dropped": fate.dropped,
            "repeats": fate.repeats,
            "all_fresh_share": (sum(n == len(assets) for n in in_phase) / len(in_phase)) if in_phase else None,
            "min_fresh_assets": min(in_phase, default=None),
        }
    stale_after = [t for t, n in samples if t >= burst_end and n < len(assets)]
    report["all_fresh_again_after_burst_s"] = 0.0 if not stale_after else (max(stale_after) - burst_end) / 1e9
    report["stale_at_end"] = bool(samples and samples[-1][1] < len(assets))
    report["cpu_s"] = {
        "burst": {k: cpu_b1[k] - cpu_b0[k] for k in cpu_b1 if k in cpu_b0},
        "whole run": {k: cpu1[k] - cpu0[k] for k in cpu1 if k in cpu0},
    }
    return report


async def burst_bench(*, shard_counts: list[int], repeats: int, **params: Any) -> dict[str, Any]:
    """Every shard count, interleaved `repeats` times in one run; medians per shard count."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in shard_counts}
    for _ in range(repeats):
        for n in shard_counts:
            runs[n].append(await burst_run(shards=n, **params))
    summary = {}
    for n, rs in runs.items():
        med = {
            phase: {k: statistics.median(r[phase][k] for r in rs) for k in ("p50_ms", "p99_ms", "dropped")}
            for phase in ("steady", "burst", "after")
        }
        summary[f"{n} shard(s)"] = {
            **med,
            "burst_msgs_per_s": statistics.median(r["burst"]["msgs_per_s"] for r in rs),
            "burst_all_fresh_share": statistics.median(r["burst"]["all_fresh_share"] or 0 for r in rs),
            "all_fresh_again_after_burst_s": statistics.median(r["all_fresh_again_after_burst_s"] for r in rs),
            "outages_seen": sum(r["outages_seen"] for r in rs),
            "burst_cpu_s": {
                proc: statistics.median(r["cpu_s"]["burst"].get(proc, 0.0) for r in rs)
                for proc in rs[0]["cpu_s"]["burst"]
            },
        }
    return {"params": {**params, "repeats": repeats, "cpus": psutil.cpu_count()}, "summary": summary, "runs": runs}


BURST_COLUMNS = (
    "shards | steady p99 ms | burst msgs/s | burst p50 / p99 ms | burst dropped | all fresh during burst "
    "| all fresh again after | after p99 ms | outages | CPU s during the burst"
)


def markdown(report: dict[str, Any]) -> str:
    p = report["params"]
    intro = (
        f"{p['symbols']} symbols at {p['rate']:g} msgs/s, then x{p['factor']:g} for {p['burst_s']:g} s, "
        f"{p['repeats']} repeat(s), {p['cpus']} CPUs; medians"
    )
    rows = [
        [
            name,
            f"{row['steady']['p99_ms']:.2f}",
            f"{row['burst_msgs_per_s']:,.0f}",
            f"{row['burst']['p50_ms']:.2f} / {row['burst']['p99_ms']:.2f}",
            f"{row['burst']['dropped']:g}",
            f"{row['burst_all_fresh_share']:.0%}",
            f"{row['all_fresh_again_after_burst_s']:.2f} s",
            f"{row['after']['p99_ms']:.2f}",
            row["outages_seen"],
            ", ".join(f"{k} {v:.2f}" for k, v in row["burst_cpu_s"].items()),
        ]
        for name, row in report["summary"].items()
    ]
    return "\n".join([intro, "", *table(BURST_COLUMNS, rows)]) + "\n"


def to_json(report: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report), indent=2)
