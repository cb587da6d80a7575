"""The venue's wall clock, which stamps every event, REST answer and frame the simulator sends.

It is the host's clock unless a `skew:MS:SECONDS` fault has set it ahead (MS > 0) or behind (MS < 0) for a while: a
venue whose clock steps by a few hundred milliseconds and back, as NTP corrections on an exchange's hosts do. Send
times (the send log's monotonic stamps) are never skewed: they are the oracle's, not the venue's.
"""

from __future__ import annotations

import time


class VenueClock:
    def __init__(self) -> None:
        self._skew_ms = 0
        self._until = 0.0

    def now_ms(self) -> int:
        now = time.time_ns() // 1_000_000
        if self._skew_ms and time.monotonic() < self._until:
            return now + self._skew_ms
        return now

    def skew(self, ms: int, seconds: float) -> None:
        """Run `ms` milliseconds off the host's clock for `seconds`, then step back."""
        self._skew_ms = ms
        self._until = time.monotonic() + seconds

    @property
    def skew_ms(self) -> int:
        return self._skew_ms if time.monotonic() < self._until else 0
