"""`violet bench`: send-to-delivery latency per client, against baselines measured in the same run.

The venue simulator runs as a separate process (pinned to another core when possible) and records when
each frame left it (same host, CLOCK_MONOTONIC) on a side channel; each client records when each tick
reached its consumer. Ticks are joined to sends on (symbol, kind, event ms, price text). Medians of
repeats are reported, with ratios to the raw-client baseline of the same run.

Every client stamps a tick once it holds the decoded price (the raw clients after their JSON decode, violet's
at its port's consumer), and does as little else as possible before the next frame: violet's ticks are kept as
plain tuples and keyed after the window, since formatting their Decimals per tick would charge the harness's
bookkeeping to the next frame's latency (measured: ~14 us at the BingX p50), and keeping the tick objects would
give the collector ~100,000 more objects to walk (full collections of 14-63 ms were measured that way).
"""

from __future__ import annotations

import gc
import statistics
import time
from pathlib import Path
from typing import Any

import anyio
import attrs
import psutil

from violet.bench.clients import (
    BRIDGE_LATENCY,
    CONFLATION,
    NT_ACTOR_RECORDS,
    SUT_PIDS,
    ClientFn,
    ScenarioUnavailable,
    lib_aiohttp,
    lib_picows,
    lib_websockets,
    peer_ccxt,
    peer_cryptofeed,
    raw_binance,
    raw_bingx,
    violet_bingx,
    violet_bingx_book,
    violet_bingx_metrics,
    violet_bingx_tap,
    violet_nt,
    violet_remote_hz,
    violet_remote_shm,
    violet_remote_shm_spin,
)
from violet.bench.latency_report import machine, write_report
from violet.bench.records import Record, delivery, summarize
from violet.bench.sim_process import cpu_seconds, settle, sim_get, sim_post, start_sim, stop_sim

WINDOW_GRACE_S = 0.5
"""After the window closes, how long records are still taken for sends made inside it."""


SCENARIOS: dict[str, tuple[str, ClientFn]] = {
    "bingx-raw (baseline)": ("bingx", raw_bingx),
    "bingx-violet": ("bingx", violet_bingx),
    "bingx-violet-tap": ("bingx", violet_bingx_tap),
    "bingx-violet-book": ("bingx", violet_bingx_book),
    "bingx-violet-metrics": ("bingx", violet_bingx_metrics),
    "bingx-lib-aiohttp": ("bingx", lib_aiohttp),
    "bingx-lib-websockets": ("bingx", lib_websockets),
    "bingx-lib-picows": ("bingx", lib_picows),
    "binance-raw (baseline)": ("binance", raw_binance),
    "binance-nt_binance": ("binance", violet_nt),
    "binance-peer-ccxt": ("binance", peer_ccxt),
    "binance-peer-cryptofeed": ("binance", peer_cryptofeed),
    "binance-remote_shm": ("binance", violet_remote_shm),
    "binance-remote_shm-spin": ("binance", violet_remote_shm_spin),
    "binance-remote_hz": ("binance", violet_remote_hz),
}


async def run_scenario(name: str, *, symbols: int, rate: float, duration: float, tls: bool) -> dict[str, Any]:
    venue, client = SCENARIOS[name]
    sim = await start_sim(venue, symbols=symbols, rate=rate, tls=tls)
    try:
        assets = [s for s in sim.info["symbols"]]
        warm: list[Record] = []
        CONFLATION.clear()
        me = psutil.Process()
        sim_ps = psutil.Process(sim.proc.pid)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client, sim, assets, float("inf"), warm)
            # Measure only once every stream is subscribed (NT paces its subscriptions), after a warm-up.
            # ccxt's watch_bids_asks subscribes quotes only; every other client, quotes and trades.
            topics = len(assets) * (1 if client in (peer_ccxt, peer_cryptofeed) else 2)
            await settle(sim, topics)
            from violet.bench.hz_transport import member_pids

            others = {**SUT_PIDS, **{f"member{i}": pid for i, pid in enumerate(member_pids())}}
            cpu0 = sum(me.cpu_times()[:2])
            sim_cpu0 = sum(sim_ps.cpu_times()[:2])
            others0 = cpu_seconds(others)
            mark = len(warm)
            for h in BRIDGE_LATENCY:  # the bridge's share over the same window as the end-to-end records
                h.reset()
            conflated0 = sum(counted() for counted in CONFLATION)
            t_start = time.monotonic_ns()
            await anyio.sleep(duration)
            t_end = time.monotonic_ns()
            stop = len(warm)
            cpu1 = sum(me.cpu_times()[:2])
            sim_cpu1 = sum(sim_ps.cpu_times()[:2])
            others1 = cpu_seconds(others)
            # Sends from the window's last moments are still on their way: wait for them, judge only window sends.
            await anyio.sleep(WINDOW_GRACE_S)
            conflated = sum(counted() for counted in CONFLATION) - conflated0
            tg.cancel_scope.cancel()
        records = warm[mark:]
        sends = await sim_post(sim, "/__sim/sendlog")
        window = [s for s in sends if t_start <= s[4] <= t_end]
        stats = await sim_get(sim, "/__sim/stats")
        result = summarize(records, window, cpu1 - cpu0)
        fate = delivery(records, sends, window, conflated)
        out = {
            "scenario": name,
            "tls": tls,
            **attrs.asdict(result),
            "sim_cpu_s": sim_cpu1 - sim_cpu0,
            "sut_cpu_s": {k: others1[k] - others0[k] for k in others1 if k in others0},
            "sim_behind": stats["behind"],
            "sim_max_lag_ms": stats["max_lag_ms"],
            "sent": fate.sent,
            "delivered": fate.delivered,
            "conflated": fate.conflated,
            "dropped": fate.dropped,
            "repeats": fate.repeats,
            "records_after_window": len(warm) - stop,
        }
        if client in (violet_remote_shm, violet_remote_shm_spin, violet_remote_hz) and BRIDGE_LATENCY:
            h = BRIDGE_LATENCY.pop()
            out["bridge_p50_us"] = h.get_value_at_percentile(50) / 1e3
            out["bridge_p99_us"] = h.get_value_at_percentile(99) / 1e3
        if client is violet_nt and NT_ACTOR_RECORDS:
            nt = summarize(NT_ACTOR_RECORDS[mark:], window, 0.0)
            out["nt_actor_p50_us"], out["nt_actor_p99_us"] = nt.p50_us, nt.p99_us
        return out
    finally:
        gc.unfreeze()
        await stop_sim(sim)


def median_of(runs: list[dict[str, Any]], field: str) -> float:
    return float(statistics.median(r[field] for r in runs if r.get(field) is not None))


async def bench(
    *, scenarios: list[str], symbols: int, rate: float, duration: float, repeats: int, tls: bool, out_dir: Path
) -> dict[str, Any]:
    from contextlib import nullcontext

    from violet.bench.hz_transport import hz_member

    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in scenarios}
    unavailable: dict[str, str] = {}
    with hz_member() if any(s.endswith("remote_hz") for s in scenarios) else nullcontext():
        for _ in range(repeats):
            for name in scenarios:
                if name in unavailable:
                    continue
                try:
                    runs[name].append(await run_scenario(name, symbols=symbols, rate=rate, duration=duration, tls=tls))
                except* ScenarioUnavailable as group:
                    unavailable[name] = str(group.exceptions[0])
    summary: dict[str, dict[str, Any]] = {name: {"unavailable": why} for name, why in unavailable.items()}
    for name, rs in runs.items():
        if name in unavailable:
            continue
        summary[name] = {f: median_of(rs, f) for f in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "cpu_s")}
        summary[name]["matched"] = int(median_of(rs, "matched"))
        summary[name]["dropped"] = sum(r["dropped"] for r in rs)
        summary[name]["conflated"] = sum(r["conflated"] for r in rs)
        summary[name]["valid"] = not any(r["sim_behind"] for r in rs)
        if any("bridge_p50_us" in r for r in rs):
            summary[name]["bridge_p50_us"] = median_of(rs, "bridge_p50_us")
            summary[name]["bridge_p99_us"] = median_of(rs, "bridge_p99_us")
        # Everyone's CPU over the measured window: on a 2-core machine a tail is often just the cores being full.
        others = {"sim": [r["sim_cpu_s"] for r in rs]}
        for r in rs:
            for proc, cpu in r.get("sut_cpu_s", {}).items():
                others.setdefault(proc, []).append(cpu)
        summary[name]["other_cpu_s"] = {proc: float(statistics.median(v)) for proc, v in others.items()}
        if any("nt_actor_p50_us" in r for r in rs):
            summary[name]["nt_actor_p50_us"] = median_of(rs, "nt_actor_p50_us")
            summary[name]["nt_actor_p99_us"] = median_of(rs, "nt_actor_p99_us")
    report = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "params": {"symbols": symbols, "rate": rate, "duration_s": duration, "repeats": repeats, "tls": tls},
        "summary": summary,
        "runs": runs,
    }
    write_report(report, out_dir)
    return report


def sweep_summary(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Latency against rate per scenario, and the highest rate each sustained with zero drops (every send
    delivered and joined, simulator on schedule). A latest-value adapter may legitimately conflate; conflation is
    reported by the adapters' counters, here only what the consumer got counts."""
    sweep: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        rate = report["params"]["rate"]
        for name, runs in report["runs"].items():
            row = report["summary"][name]
            if "unavailable" in row:
                continue
            # Only sends inside the window are judged, each delivered, conflated (counted by the adapter) or dropped;
            # no slack. A simulator that fell behind its schedule invalidates the rate: it, not the client, failed.
            dropped = sum(r["dropped"] for r in runs)
            behind = any(r["sim_behind"] for r in runs)
            zero_drop = dropped == 0 and not behind
            sweep.setdefault(name, []).append(
                {
                    "rate": rate,
                    "p50_us": row["p50_us"],
                    "p99_us": row["p99_us"],
                    "zero_drop": zero_drop,
                    "dropped": dropped,
                    "conflated": sum(r["conflated"] for r in runs),
                    "sim_behind": behind,
                }
            )
    best: dict[str, float | str] = {}
    for name, rows in sweep.items():
        # The highest rate below which nothing failed: a pass above a failure is luck, not capacity.
        passed = 0.0
        for row in sorted(rows, key=lambda r: r["rate"]):
            if not row["zero_drop"]:
                break
            passed = row["rate"]
        if passed:
            best[name] = passed
        else:
            first = min(rows, key=lambda r: r["rate"])
            who = "the simulator fell behind" if first["sim_behind"] else f"the client dropped {first['dropped']}"
            best[name] = f"none up to {max(r['rate'] for r in rows):g} msgs/s ({who} at {first['rate']:g})"
    return {"machine": machine(), "sweep": sweep, "highest_zero_drop_rate": best}
