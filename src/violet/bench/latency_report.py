"""The latency report as markdown and files, with violet's ratios to each peer measured in the same run."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import psutil

from violet.bench.markdown_table import LATENCY_FIELDS, table


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2))
    (out_dir / "bench.md").write_text(markdown(report))


LATENCY_COLUMNS = (
    "scenario | p50 us | p90 us | p99 us | p99.9 us | max us | client CPU s | matched | valid | vs baseline p50 / p99"
)


def markdown(report: dict[str, Any]) -> str:
    p = report["params"]
    intro = [
        f"symbols {p['symbols']}, {p['rate']:g} msgs/s aggregate, {p['duration_s']:g} s x {p['repeats']} repeats, "
        f"{'wss' if p['tls'] else 'ws'}; medians of repeats; send (simulator) -> consumer, same-host monotonic clock",
        "",
    ]
    rows = [r for name, row in report["summary"].items() for r in _rows(name, row, report)]
    return "\n".join([*intro, *table(LATENCY_COLUMNS, rows), *_versus_peers(report["summary"])]) + "\n"


def _rows(name: str, row: dict[str, Any], report: dict[str, Any]) -> list[list[str]]:
    """A scenario's row, then its notes: the bridge's own share, the other processes' CPU, NT's own latency."""
    if "unavailable" in row:
        return [[name, f"not measured: {row['unavailable']}"]]
    base = report["summary"].get(f"{name.split('-')[0]}-raw (baseline)")
    ratio = (
        ""
        if base is None or base is row
        else f"{row['p50_us'] / base['p50_us']:.2f}x / {row['p99_us'] / base['p99_us']:.2f}x"
    )
    us = [f"{row[f]:.0f}" for f in LATENCY_FIELDS]
    valid = "yes" if row["valid"] else "NO (sim behind)"
    rows = [[name, *us, f"{row['cpu_s']:.2f}", str(row["matched"]), valid, ratio]]
    if "bridge_p50_us" in row:
        bridge = "Hazelcast" if name.endswith("remote_hz") else "shared-memory"
        alone = f"({bridge} bridge alone: writer publish -> reader)"
        rows.append([alone, f"{row['bridge_p50_us']:.0f}", "", f"{row['bridge_p99_us']:.0f}"])
    if len(row.get("other_cpu_s", {})) > 1:
        cpu = row["other_cpu_s"]
        busy = (row["cpu_s"] + sum(cpu.values())) / report["params"]["duration_s"]
        each = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        rows.append(
            [f"(CPU s of the other processes: {each}; all together {busy:.2f} of {report['machine']['cpus']} cores)"]
        )
    if "nt_actor_p50_us" in row:
        nt_p50, nt_p99 = row["nt_actor_p50_us"], row["nt_actor_p99_us"]
        added = f"violet adds {row['p50_us'] - nt_p50:.0f} / {row['p99_us'] - nt_p99:.0f} us"
        rows.append(["(NT's own frame -> Actor callback)", f"{nt_p50:.0f}", "", f"{nt_p99:.0f}", *[""] * 5, added])
    return rows


VIOLET_OF_VENUE = {"binance": "binance-nt_binance", "bingx": "bingx-violet"}


def _versus_peers(summary: dict[str, Any]) -> list[str]:
    """violet's ratios to each peer measured in the same run (below 1: violet is faster / leaner)."""
    out = []
    for name, peer in summary.items():
        if "-peer-" not in name or "unavailable" in peer:
            continue
        ours = summary.get(VIOLET_OF_VENUE[name.split("-")[0]])
        if ours is None or "unavailable" in ours:
            out.append(f"- violet vs {name}: violet's adapter was not measured in this run")
            continue
        p50, p99, cpu = (ours[f] / peer[f] for f in ("p50_us", "p99_us", "cpu_s"))
        out.append(f"- violet vs {name}: p50 {p50:.2f}x, p99 {p99:.2f}x, client CPU {cpu:.2f}x")
    return ["", *out] if out else []


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "mem_gib": round(psutil.virtual_memory().total / 2**30, 1),
    }
