"""The side channel: when each frame left the simulator, by the same host's monotonic clock.

Kept outside the frames so measuring never alters the wire. Benchmarks join it with what the consumer
received on (venue symbol, kind, event time in ms, the price text(s)), which the market keeps unique.

Nothing is recorded until a benchmark asks (the first drain): a simulator serving a demo or a day-long run keeps
no record per frame (~270 bytes each, ~400 MiB an hour at 200 msgs/s). Once asked, records are kept between
drains in a bounded ring.
"""

from __future__ import annotations

import collections
import time
from typing import NamedTuple


class SendRecord(NamedTuple):
    symbol: str
    kind: str
    ts_ms: int
    prices: str
    send_ns: int


DEFAULT_CAPACITY = 400_000
"""20 s at 20,000 msgs/s between two drains (~110 MiB at most)."""


class SendLog:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.records: collections.deque[SendRecord] = collections.deque(maxlen=capacity)
        self.enabled = False

    def record(self, symbol: str, kind: str, ts_ms: int, prices: str) -> None:
        if self.enabled:
            self.records.append(SendRecord(symbol, kind, ts_ms, prices, time.monotonic_ns()))

    def drain(self) -> list[SendRecord]:
        """What was recorded since the last drain; recording is on from the first drain."""
        out = list(self.records)
        self.records.clear()
        self.enabled = True
        return out
