"""What Prometheus metrics cost per tick, measured directly: the receive and delivery observers (the only per-tick
metrics work) called on a million synthetic ticks, against the same calls to no-op observers, interleaved."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

from violet.domain import NormalizedTick, SystemClock
from violet.metrics.instruments import LATENCY_BUCKETS_S, LatencyInstruments

Observer = Callable[[NormalizedTick], None]


def _ticks(n: int) -> list[NormalizedTick]:
    now_wall, now_mono = time.time_ns(), time.monotonic_ns()
    bid, ask = Decimal("67999.1"), Decimal("67999.2")
    # Ages spread over the buckets a live plane sees (tens of microseconds to tens of milliseconds).
    return [
        NormalizedTick(
            venue="bench",
            asset="BTCUSDT-PERP",
            bid=bid,
            ask=ask,
            ts_event=now_wall - (i % 97) * 250_000,
            mono_ns=now_mono - (i % 89) * 50_000,
        )
        for i in range(n)
    ]


def _noop(tick: NormalizedTick) -> None:
    return None


def _time_pair(ticks: list[NormalizedTick], on_receive: Observer, on_delivery: Observer) -> float:
    t0 = time.perf_counter_ns()
    for tick in ticks:
        on_receive(tick)
        on_delivery(tick)
    return (time.perf_counter_ns() - t0) / len(ticks)


def measure(*, ticks: int = 1_000_000, repeats: int = 5) -> dict[str, Any]:
    """ns per tick of both observers, of two no-op calls, and the difference (the metrics' own cost)."""
    synthetic = _ticks(min(ticks, 100_000)) * max(1, ticks // 100_000)
    on_receive, on_delivery = LatencyInstruments(labelnames=("plane", "adapter")).observers(
        SystemClock(), ("venue", "bench")
    )
    lib_receive, lib_delivery = _library_observers()
    metrics, baseline, library = [], [], []
    for _ in range(repeats):  # interleaved: the machine's drift hits all alike
        baseline.append(_time_pair(synthetic, _noop, _noop))
        metrics.append(_time_pair(synthetic, on_receive, on_delivery))
        library.append(_time_pair(synthetic, lib_receive, lib_delivery))
    with_ns, without_ns = statistics.median(metrics), statistics.median(baseline)
    return {
        "ticks": len(synthetic),
        "repeats": repeats,
        "observers_ns_per_tick": {"median": with_ns, "all": metrics},
        "noop_calls_ns_per_tick": {"median": without_ns, "all": baseline},
        "metrics_cost_ns_per_tick": with_ns - without_ns,
        "prometheus_client_histogram_ns_per_tick": {
            "median": statistics.median(library) - without_ns,
            "all": library,
        },
    }


def _library_observers() -> tuple[Observer, Observer]:
    """The same two observations through prometheus_client's `Histogram` (label children bound once): the
    alternative violet measured and did not take."""
    registry = CollectorRegistry(auto_describe=False)
    received, delivered = (
        Histogram(name, "bench", ("plane",), registry=registry, buckets=LATENCY_BUCKETS_S).labels("venue")
        for name in ("bench_venue_to_receive_seconds", "bench_receive_to_delivery_seconds")
    )
    wall_ns, mono_ns = time.time_ns, time.monotonic_ns

    def on_receive(tick: NormalizedTick) -> None:
        received.observe(max(0, wall_ns() - tick.ts_event) / 1e9)

    def on_delivery(tick: NormalizedTick) -> None:
        delivered.observe(max(0, mono_ns() - tick.mono_ns) / 1e9)

    return on_receive, on_delivery
