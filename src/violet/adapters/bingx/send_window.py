"""Pacing of requests on one socket: at most `n` in any sliding window, sent at once while the window has room.

A fixed interval between requests (the obvious pacing) makes every reconnect wait `topics / rate` seconds before
its last topic is asked for, although a socket's few topics fit in one window of the venue's limit.

The venue counts requests as they arrive, and the network can deliver a late first batch together with the
prompt next one: each window is held `guard_s` longer than the rate needs, so that much jitter is no burst.
"""

from __future__ import annotations

from collections import deque

import anyio


class SendWindow:
    def __init__(self, per_s: float, guard_s: float = 0.25) -> None:
        """`per_s`: the most requests in any one second (a whole number of them: 1.5 is one); below 1, one request
        per `1 / per_s` seconds."""
        self._n = max(1, int(per_s))
        self._span_s = max(1.0, 1.0 / per_s) + guard_s
        self._sent: deque[float] = deque(maxlen=self._n)
        self._lock = anyio.Lock()

    def wait_s(self, now: float) -> float:
        """How long from `now` until one more request keeps every window within the limit."""
        if len(self._sent) < self._n:
            return 0.0
        return max(0.0, self._sent[0] + self._span_s - now)

    def span_for(self, requests: int) -> float:
        """Seconds from the first to the last of `requests` sent back to back through an empty window: a window's
        worth at once, then a window's worth each span."""
        return (max(1, -(-requests // self._n)) - 1) * self._span_s

    def count(self, now: float) -> None:
        """Count a request sent at `now`."""
        self._sent.append(now)

    async def acquire(self) -> None:
        """Wait until one more request is within the limit, and count it as sent. Sockets sharing one window
        (per-IP pacing) take turns: without the lock each would see the same room, sleep, and all take it."""
        async with self._lock:
            await anyio.sleep(self.wait_s(anyio.current_time()))
            self.count(anyio.current_time())
