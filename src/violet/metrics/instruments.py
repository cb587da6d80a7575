"""The only per-tick metrics work: two latency histograms per plane, observed from the hub's taps.

Everything else (counters, states, ages) is read from the planes when Prometheus scrapes, so it costs the tick path
nothing. Label children are bound once, here: `labels()` per tick would cost more than the observation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from prometheus_client import CollectorRegistry, Histogram

from violet.domain import Clock, NormalizedTick
from violet.ports import DeliveryTap, TickTap, VenuePriceFeedPort

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


class LatencyInstruments:
    def __init__(self, registry: CollectorRegistry, *, labelnames: tuple[str, ...]) -> None:
        self.venue_to_receive = Histogram(
            "violet_venue_to_receive_seconds",
            "Venue event time (its wall clock) to this process accepting the tick (wall clock).",
            labelnames,
            registry=registry,
            buckets=LATENCY_BUCKETS_S,
        )
        self.receive_to_delivery = Histogram(
            "violet_receive_to_delivery_seconds",
            "This process accepting a tick to a subscriber reading it (monotonic clock).",
            labelnames,
            registry=registry,
            buckets=LATENCY_BUCKETS_S,
        )

    @contextmanager
    def observing(self, feed: VenuePriceFeedPort, clock: Clock, labels: tuple[str, ...]) -> Iterator[None]:
        """While open, every tick `feed` accepts and delivers is observed (feeds without the taps are skipped)."""
        received = self.venue_to_receive.labels(*labels)
        delivered = self.receive_to_delivery.labels(*labels)
        wall_ns = time.time_ns
        mono_ns = clock.monotonic_ns

        def on_receive(tick: NormalizedTick) -> None:
            received.observe(max(0, wall_ns() - tick.ts_event) / 1e9)

        def on_delivery(tick: NormalizedTick) -> None:
            delivered.observe(max(0, mono_ns() - tick.mono_ns) / 1e9)

        with ExitStack() as stack:
            if isinstance(feed, TickTap):
                stack.enter_context(feed.tap(on_receive))
            if isinstance(feed, DeliveryTap):
                stack.enter_context(feed.tap_delivery(on_delivery))
            yield
