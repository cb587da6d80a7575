"""The side channel: when each frame left the simulator, by the same host's monotonic clock.

Kept outside the frames so measuring never alters the wire. Benchmarks join it with what the consumer
received on (venue symbol, kind, event time in ms, the price text(s)), which the market keeps unique.
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


class SendLog:
    def __init__(self, capacity: int = 2_000_000) -> None:
        self.records: collections.deque[SendRecord] = collections.deque(maxlen=capacity)
        self.enabled = True

    def record(self, symbol: str, kind: str, ts_ms: int, prices: str) -> None:
        if self.enabled:
            self.records.append(SendRecord(symbol, kind, ts_ms, prices, time.monotonic_ns()))

    def drain(self) -> list[SendRecord]:
        out = list(self.records)
        self.records.clear()
        return out
