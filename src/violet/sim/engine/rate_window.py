"""The venues' per-connection message limits: more than N messages inside any one second drops the socket."""

from __future__ import annotations

import time
from collections import deque


class OneSecondWindow:
    def __init__(self, limit: float) -> None:
        self._limit = limit
        self._times: deque[float] = deque()

    def exceeded_by_one_more(self) -> bool:
        """Count a message now; True when the last second holds more than the limit."""
        now = time.monotonic()
        times = self._times
        while times and now - times[0] >= 1.0:
            times.popleft()
        times.append(now)
        return len(times) > self._limit
