"""What the example reactor itself costs per tick at the whole market: `BasisMonitor`'s decision (the basis from two
quotes fresh by their own age, the lead/lag estimator's update, the reaction histogram) timed per tick, and the live
view's snapshot (every asset's row; the oldest lead/lag estimates refreshed, a bounded number a refresh) timed per
refresh, beside what estimating every asset costs, for each universe size.

Both planes are in-memory feeds on a manual clock, so every quote stays fresh while the loop runs (the decision's
fresh path, the one that computes a basis); the ticks are built before the timing (a random walk over the assets, the
alpha plane five times as busy as the venue, as live). No socket, one core; medians of repeats.
"""

from __future__ import annotations

import random
import statistics
import time
from decimal import Decimal
from typing import Any

from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue
from violet.app.event_loop import run_on_uvloop
from violet.domain import ManualClock, NormalizedTick
from violet.reactor.basis_monitor import BasisMonitor

MS = 1_000_000


def _assets(n: int) -> tuple[str, ...]:
    return tuple(f"A{i:04d}USDT-PERP" for i in range(n))


def _ticks(assets: tuple[str, ...], n: int, clock: ManualClock, *, seed: int = 7) -> list[tuple[str, NormalizedTick]]:
    rng = random.Random(seed)
    mids = dict.fromkeys(assets, 1000)
    now = time.time_ns()
    out = []
    for i in range(n):
        plane = "venue" if rng.random() < 1 / 6 else "alpha"
        asset = rng.choice(assets)
        mids[asset] += rng.choice((-1, 1))
        mid = mids[asset]
        out.append(
            (
                plane,
                NormalizedTick(
                    venue=plane,
                    asset=asset,
                    bid=Decimal(mid) / 10,
                    ask=Decimal(mid + 1) / 10,
                    ts_event=now + i * MS,
                    mono_ns=clock.monotonic_ns() + i * MS,
                ),
            )
        )
    return out


async def _one_size(symbols: int, ticks: int, repeats: int) -> dict[str, Any]:
    assets = _assets(symbols)
    clock = ManualClock()
    hour = 3_600_000 * MS
    venues = {p: InMemoryVenue(assets) for p in ("alpha", "venue")}
    alpha = InMemoryPriceFeed(venues["alpha"], name="alpha", clock=clock, staleness_budget_ns=hour)
    venue = InMemoryPriceFeed(venues["venue"], name="venue", clock=clock, staleness_budget_ns=hour)
    batch = _ticks(assets, ticks, clock)
    async with alpha, venue:
        for p in ("alpha", "venue"):
            for a in assets:
                venues[p].quote(a, "100.0", "100.1", time.time_ns())
        decide_ns, snapshot_ms, estimate_ms = [], [], []
        for _ in range(repeats):
            monitor = BasisMonitor(alpha, venue, clock=clock)
            decide = monitor._decide  # the reactor's per-tick path, as its consumers call it
            t0 = time.perf_counter_ns()
            for plane, tick in batch:
                decide(plane, tick)
            decide_ns.append((time.perf_counter_ns() - t0) / len(batch))
            t0 = time.perf_counter_ns()
            snapshot = monitor.snapshot()
            snapshot_ms.append((time.perf_counter_ns() - t0) / 1e6)
            shown = sum(row.basis is not None for row in snapshot.rows)
            t0 = time.perf_counter_ns()
            for estimator in monitor._lead_lag.values():  # what a snapshot cost when it estimated every asset
                estimator.estimate()
            estimate_ms.append((time.perf_counter_ns() - t0) / 1e6)
    return {
        "symbols": symbols,
        "ticks": ticks,
        "decide_us_per_tick": round(statistics.median(decide_ns) / 1000, 2),
        "decide_all_us": [round(v / 1000, 2) for v in decide_ns],
        "snapshot_ms": round(statistics.median(snapshot_ms), 2),
        "estimate_all_ms": round(statistics.median(estimate_ms), 2),
        "rows_with_a_basis": shown,
    }


def measure(*, sizes: tuple[int, ...] = (50, 600), ticks: int = 100_000, repeats: int = 5) -> dict[str, Any]:
    return {"repeats": repeats, "sizes": [run_on_uvloop(_one_size, n, ticks, repeats) for n in sizes]}


def table(result: dict[str, Any]) -> str:
    lines = [
        f"reactor cost (BasisMonitor), median of {result['repeats']} repeats, in-memory planes, manual clock",
        "",
        "| symbols | decision us per tick | live-view snapshot ms | every asset's lead/lag estimated ms "
        "| rows with a basis |",
        "|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {s['symbols']} | {s['decide_us_per_tick']} | {s['snapshot_ms']} | {s['estimate_all_ms']} "
        f"| {s['rows_with_a_basis']} |"
        for s in result["sizes"]
    )
    return "\n".join(lines)
