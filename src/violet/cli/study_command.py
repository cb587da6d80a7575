"""`violet study lead-lag`: the recording replayed as fast as possible through `open_planes` (the `history` adapter
on both planes), every tick into the study, then its table, JSON, CSV and plot."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import attrs

from violet.adapters.history import recorded_assets
from violet.api import open_planes
from violet.app.event_loop import run_on_uvloop
from violet.config.schema import replay_config
from violet.domain.errors import VioletError
from violet.study.lead_lag_plot import plot
from violet.study.lead_lag_study import LeadLagResult, LeadLagStudy
from violet.study.read_planes import read_to_the_end


class NothingToStudy(VioletError):
    """The catalog is missing, or holds no asset both planes recorded (or not the assets asked for)."""


@attrs.frozen(kw_only=True)
class StudyRun:
    result: LeadLagResult
    assets: tuple[str, ...]
    seconds: float
    """Wall time of the replay, first subscription to the streams' end."""
    conflated: dict[str, int]

    @property
    def ticks_per_s(self) -> float:
        return sum(self.result.ticks.values()) / self.seconds if self.seconds > 0 else 0.0


def study_assets(catalog: Path, wanted: list[str] | None) -> tuple[str, ...]:
    """Assets both planes recorded (or those of `wanted`, each checked). Raises NothingToStudy with what is missing."""
    if not (catalog / "data").is_dir():
        raise NothingToStudy(f"{catalog}: no catalog here (made by `violet record --catalog`)")
    by_venue = recorded_assets(catalog)
    both = by_venue.get("BINANCE", frozenset()) & by_venue.get("BINGX", frozenset())
    if wanted:
        unknown = sorted(set(wanted) - both)
        if unknown:
            raise NothingToStudy(
                f"not recorded on both planes: {', '.join(unknown)} (recorded: {', '.join(sorted(both))})"
            )
        return tuple(sorted(set(wanted)))
    if not both:
        raise NothingToStudy(f"{catalog}: no asset recorded on both planes")
    return tuple(sorted(both))


async def run_study(catalog: Path, assets: tuple[str, ...], *, bin_ms: int, max_lag_ms: int) -> StudyRun:
    cfg = replay_config(str(catalog), list(assets))
    study = LeadLagStudy(bin_ms=bin_ms, max_lag_ms=max_lag_ms)
    async with open_planes(cfg) as planes:
        t0 = time.perf_counter()
        conflated = await read_to_the_end({"alpha": planes.alpha, "venue": planes.venue}, study.on_tick)
        seconds = time.perf_counter() - t0
    return StudyRun(result=study.result(), assets=assets, seconds=seconds, conflated=conflated)


def write_outputs(run: StudyRun, out: Path, title: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "lead_lag.json", out / "lead_lag.csv"]
    summary = run.result.to_json() | {
        "replay_seconds": round(run.seconds, 3),
        "replay_ticks_per_s": round(run.ticks_per_s),
        "conflated": run.conflated,
    }
    written[0].write_text(json.dumps(summary, indent=2) + "\n")
    with written[1].open("w", newline="") as f:
        rows = csv.writer(f)
        rows.writerow(["name", "lag_ms", "corr"])
        for curve in (*run.result.per_asset, run.result.pooled):
            for lag, corr in sorted(curve.corr_by_lag_ms.items()):
                rows.writerow([curve.name, lag, f"{corr:.6f}"])
    png = out / "lead_lag.png"
    if plot(run.result, png, title):
        written.append(png)
    return written


def table(run: StudyRun) -> str:
    """The table a researcher reads first: per asset, then the pool."""
    head = f"{'asset':<16} {'bins':>7} {'moves a/v':>13} {'best lag ms':>11} {'corr':>6} {'corr@0':>7}"
    lines = [head, "-" * len(head)]
    for c in (*run.result.per_asset, run.result.pooled):
        best = "-" if c.best_lag_ms is None else str(c.best_lag_ms)
        corr = "-" if c.best_corr is None else f"{c.best_corr:+.2f}"
        at0 = c.corr_by_lag_ms.get(0)
        lines.append(
            f"{c.name:<16} {c.bins:>7} {f'{c.moves[0]}/{c.moves[1]}':>13} {best:>11} {corr:>6} "
            f"{'-' if at0 is None else f'{at0:+.2f}':>7}"
        )
    ticks = sum(run.result.ticks.values())
    lines.append(
        f"{ticks} ticks replayed in {run.seconds:.2f} s ({run.ticks_per_s:,.0f} ticks/s through the port), "
        f"conflated {sum(run.conflated.values())}"
    )
    return "\n".join(lines)


def main(catalog: Path, assets: list[str] | None, *, bin_ms: int, max_lag_ms: int, out: Path) -> StudyRun:
    chosen = study_assets(catalog, assets)
    run = run_on_uvloop(lambda: run_study(catalog, chosen, bin_ms=bin_ms, max_lag_ms=max_lag_ms))
    write_outputs(run, out, catalog.resolve().name)
    return run
