"""`violet bench universe`'s table: one row per size and plane, then every process's CPU and RSS."""

from __future__ import annotations

from typing import Any

import msgspec

from violet.bench.markdown_table import table

COLUMNS = (
    "symbols | plane | shards | ready s | start: all fresh s (floor; venue sent all) "
    "| reconnect: all fresh s (venue sent all) | msgs/s | p50 / p99 ms | dropped | conflated | refused"
)


def markdown(report: dict[str, Any]) -> str:
    def s(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f}"

    rows = [
        [
            run["symbols"],
            plane,
            run["shards"] if plane == "alpha" else "-",
            s(row.get("ready_s")),
            f"{s(row['start_all_fresh_s'])} ({row['floor_s']:.2f}; {s(row.get('start_venue_sent_s'))})",
            f"{s(row['reconnect_all_fresh_s'])} ({s(row.get('reconnect_venue_sent_s'))})",
            f"{row['msgs_per_s']:,.0f}",
            f"{row['p50_ms']:.2f} / {row['p99_ms']:.2f}",
            row["dropped"],
            row["conflated"],
            _reasons(row.get("refused", {})),
        ]
        for run in report["runs"]
        for plane in ("alpha", "venue")
        for row in (run[plane],)
    ]
    cpu = [
        f"{run['symbols']} symbols, CPU cores: "
        + ", ".join(f"{k} {v:.2f}" for k, v in run["cpu_cores"].items())
        + "; RSS MiB: "
        + ", ".join(f"{k} {v:.0f}" for k, v in run["rss_mib"].items() if v is not None)
        for run in report["runs"]
    ]
    waits = [
        f"{run['symbols']} symbols, longest from the venue's first quote of an asset to violet's (start / reconnect): "
        + ", ".join(
            f"{plane} {_wait(run[plane].get('start_worst_wait'))} / {_wait(run[plane].get('reconnect_worst_wait'))}"
            for plane in ("alpha", "venue")
        )
        for run in report["runs"]
    ]
    trends = [
        f"{run['symbols']} symbols, RSS over {trend['seconds'] / 60:g} min (MiB after half -> end, trend MiB/h): "
        + ", ".join(
            f"{name} {t['rss_after_warmup_mib']:.0f} -> {t['rss_end_mib']:.0f} ({t['slope_mib_per_hour']:+.1f})"
            for name, t in trend.items()
            if isinstance(t, dict) and t["slope_mib_per_hour"] is not None
        )
        for run in report["runs"]
        if (trend := run.get("rss_trend"))
    ]
    p = report["params"]
    intro = f"live profile, {p['rate']:g} msgs/s a venue, {p['steady_s']:g} s steady window, {p['cpus']} CPUs"
    return "\n".join([intro, "", *table(COLUMNS, rows), "", *cpu, *waits, *trends]) + "\n"


def _wait(wait: dict[str, Any] | None) -> str:
    if not wait or wait.get("worst_asset") is None:
        return "-"
    return f"{wait['worst_wait_s']:.3f} s ({wait['worst_asset']})"


def _reasons(refused: dict[str, int]) -> str:
    if not refused:
        return "0"
    return f"{sum(refused.values())} (" + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())) + ")"


def to_json(report: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report), indent=2)
