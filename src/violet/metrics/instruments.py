"""The only per-tick metrics work: two latency histograms per plane, observed from the hub's taps.

Everything else (counters, states, ages) is read from the planes when Prometheus scrapes, so it costs the tick path
nothing. prometheus_client's own `Histogram.observe` costs about 2 us here (a lock per increment and a linear walk
of the buckets): 4.1 us per tick for the two observations, measured by `violet bench metrics`. Observations and
scrapes both run on the planes' event loop, so a histogram here is a list of counts indexed by bisection, exposed
through prometheus_client's collector API at scrape time.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager

from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from violet.domain import Clock, NormalizedTick
from violet.ports import DeliveryTap, LatencyHistogram, TickTap, VenuePriceFeedPort

LATENCY_BUCKETS_S = (
    50e-6,
    100e-6,
    250e-6,
    500e-6,
    1e-3,
    2.5e-3,
    5e-3,
    10e-3,
    25e-3,
    50e-3,
    100e-3,
    250e-3,
    500e-3,
    1.0,
    2.5,
    5.0,
)
"""From the simulators' loopback (tens of microseconds) to a venue's worst seconds."""
_BOUNDS_NS = tuple(round(b * 1e9) for b in LATENCY_BUCKETS_S)


class LoopHistogram:
    """Counts per latency bucket, for one thread (the event loop's): no lock, one bisection per observation."""

    __slots__ = ("counts", "sum_ns")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BOUNDS_NS) + 1)
        self.sum_ns = 0

    def observe_ns(self, value_ns: int) -> None:
        self.counts[bisect.bisect_left(_BOUNDS_NS, value_ns)] += 1
        self.sum_ns += value_ns

    def exposition(self) -> tuple[list[tuple[str, float]], float]:
        """Prometheus' cumulative buckets (seconds) and the sum in seconds."""
        return _cumulative(self.counts), self.sum_ns / 1e9


def _cumulative(counts: list[int]) -> list[tuple[str, float]]:
    running = 0
    buckets: list[tuple[str, float]] = []
    for bound, n in zip((*(repr(b) for b in LATENCY_BUCKETS_S), "+Inf"), counts, strict=True):
        running += n
        buckets.append((bound, float(running)))
    return buckets


def hdr_exposition(h: LatencyHistogram) -> tuple[list[tuple[str, float]], float]:
    """An HDR histogram (nanoseconds) as Prometheus' cumulative buckets and sum, in seconds."""
    counts = [0] * (len(_BOUNDS_NS) + 1)
    total = 0
    for item in h.get_recorded_iterator():
        counts[bisect.bisect_left(_BOUNDS_NS, item.value_iterated_to)] += item.count_at_value_iterated_to
        total += item.count_at_value_iterated_to
    return _cumulative(counts), h.get_mean_value() * total / 1e9


class LatencyInstruments(Collector):
    """venue -> receive and receive -> delivery, per label set (plane, adapter)."""

    def __init__(self, *, labelnames: tuple[str, ...]) -> None:
        self._labelnames = labelnames
        self._venue_to_receive: dict[tuple[str, ...], LoopHistogram] = {}
        self._receive_to_delivery: dict[tuple[str, ...], LoopHistogram] = {}

    def describe(self) -> Iterable[Metric]:
        return ()

    def collect(self) -> Iterator[Metric]:
        for name, doc, histograms in (
            (
                "violet_venue_to_receive_seconds",
                "Venue event time (its wall clock) to this process accepting the tick (wall clock).",
                self._venue_to_receive,
            ),
            (
                "violet_receive_to_delivery_seconds",
                "This process accepting a tick to a subscriber reading it (monotonic clock).",
                self._receive_to_delivery,
            ),
        ):
            family = HistogramMetricFamily(name, doc, labels=self._labelnames)
            for labels, h in histograms.items():
                buckets, total_s = h.exposition()
                family.add_metric(list(labels), buckets, total_s)
            yield family

    def observers(
        self, clock: Clock, labels: tuple[str, ...]
    ) -> tuple[Callable[[NormalizedTick], None], Callable[[NormalizedTick], None]]:
        """The per-tick work: (on receive, on delivery), each bound to its histogram once, here."""
        received = self._venue_to_receive.setdefault(labels, LoopHistogram()).observe_ns
        delivered = self._receive_to_delivery.setdefault(labels, LoopHistogram()).observe_ns
        wall_ns = time.time_ns
        mono_ns = clock.monotonic_ns

        def on_receive(tick: NormalizedTick) -> None:
            received(max(0, wall_ns() - tick.ts_event))

        def on_delivery(tick: NormalizedTick) -> None:
            delivered(max(0, mono_ns() - tick.mono_ns))

        return on_receive, on_delivery

    @contextmanager
    def observing(self, feed: VenuePriceFeedPort, clock: Clock, labels: tuple[str, ...]) -> Iterator[None]:
        """While open, every tick `feed` accepts and delivers is observed (feeds without the taps are skipped)."""
        on_receive, on_delivery = self.observers(clock, labels)
        with ExitStack() as stack:
            if isinstance(feed, TickTap):
                stack.enter_context(feed.tap(on_receive))
            if isinstance(feed, DeliveryTap):
                stack.enter_context(feed.tap_delivery(on_delivery))
            yield
