"""`violet bench report`: PNG plots and an HTML page from a `violet bench latency` JSON report.

One latency CDF per venue, every scenario of that venue against its raw baseline (median run of the repeats), on a
log scale; and, when the report holds several runs at different rates, latency against rate. matplotlib is an
optional dependency (the `bench` extra), imported only here.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["p50_us"])
    return ordered[len(ordered) // 2]


def write_report(bench_json: Path, out_dir: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    report = json.loads(bench_json.read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    venues: dict[str, list[str]] = {}
    for name in report.get("runs", {}):
        venues.setdefault(name.split("-")[0], []).append(name)
    images: list[str] = []
    for venue, names in venues.items():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for name in names:
            if not report["runs"][name]:
                continue  # not measured under these settings (the summary says why)
            run = _median_run(report["runs"][name])
            points = run.get("cdf") or []
            if not points:
                continue
            ax.plot([us for _, us in points], [p for p, _ in points], marker=".", label=name)
        ax.set_xscale("log")
        ax.set_xlabel("send -> delivery latency (us, log)")
        ax.set_ylabel("percentile")
        ax.set_title(f"{venue}: latency CDF per client (median of repeats)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        png = out_dir / f"cdf-{venue}.png"
        fig.tight_layout()
        fig.savefig(png, dpi=110)
        plt.close(fig)
        images.append(png.name)
    rates = report.get("sweep")
    if rates:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for name, series in rates.items():
            ax.plot([r["rate"] for r in series], [r["p99_us"] for r in series], marker="o", label=f"{name} p99")
            ax.plot(
                [r["rate"] for r in series], [r["p50_us"] for r in series], marker=".", ls="--", label=f"{name} p50"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("messages per second")
        ax.set_ylabel("latency (us)")
        ax.set_title("latency vs rate")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        png = out_dir / "latency-vs-rate.png"
        fig.tight_layout()
        fig.savefig(png, dpi=110)
        plt.close(fig)
        images.append(png.name)
    md = (bench_json.parent / "bench.md").read_text() if (bench_json.parent / "bench.md").exists() else ""
    page = out_dir / "index.html"
    machine = html.escape(json.dumps(report.get("machine", {})))
    body = "".join(f'<p><img src="{html.escape(i)}" alt="{html.escape(i)}"></p>' for i in images)
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>violet bench</title>"
        f"<h1>violet bench ({html.escape(str(report.get('when', '')))})</h1><p>machine: <code>{machine}</code></p>"
        f"<p>params: <code>{html.escape(json.dumps(report.get('params', {})))}</code></p>{body}"
        f"<pre>{html.escape(md)}</pre>"
    )
    return page
