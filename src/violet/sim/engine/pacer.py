"""Emit at an aggregate rate, in batches when the loop wakes late, and say when the schedule slipped."""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel

_MIN_SLEEP_S = 0.001
_MAX_BATCH_S = 0.01
"""At most this much of the schedule goes out in one batch; a backlog is worked off batch by batch."""


class Pacer:
    """`await pacer.due()` returns how many events are due now (>= 1), sleeping until the next one is.

    Batching keeps the average rate exact at tens of thousands per second; `max_lag_s` records how far
    behind its schedule the emitter ever fell, and `behind` is set when that exceeded `tolerance_s`,
    which makes any measurement taken meanwhile invalid.
    """

    def __init__(self, rate_hz: float, *, tolerance_s: float = 0.05) -> None:
        if rate_hz <= 0:
            raise ValueError("rate must be > 0")
        self.rate_hz = rate_hz
        self.tolerance_s = tolerance_s
        self._t0 = time.monotonic()
        self.emitted = 0
        self.max_lag_s = 0.0
        self.behind = False
        self._surge_factor = 1.0
        self._surge_until = 0.0

    def surge(self, factor: float, seconds: float) -> None:
        """The rate times `factor` for `seconds` from now (a burst), then back to the base rate."""
        now = time.monotonic()
        self._rebase(now)
        self._surge_factor, self._surge_until = factor, now + seconds

    @property
    def current_rate_hz(self) -> float:
        """The rate now: the base rate, or the surged one during a burst."""
        return self._rate_now(time.monotonic())

    def _rate_now(self, now: float) -> float:
        if self._surge_until and now >= self._surge_until:
            self._rebase(self._surge_until)
            self._surge_factor, self._surge_until = 1.0, 0.0
        return self.rate_hz * self._surge_factor

    def _rebase(self, at: float) -> None:
        """Restart the schedule at `at`: a rate change neither owes a backlog nor replays one."""
        self.emitted = 0
        self._t0 = at

    def reset(self) -> None:
        self._t0 = time.monotonic()
        self.emitted = 0

    async def due(self) -> int:
        slept = False
        while True:
            now = time.monotonic()
            rate = self._rate_now(now)
            target = int((now - self._t0) * rate)
            n = target - self.emitted
            if n > 0:
                lag = (n - 1) / rate
                if lag > self.max_lag_s:
                    self.max_lag_s = lag
                    if lag > self.tolerance_s:
                        self.behind = True
                # A starved emitter is always behind, so it would never sleep: without a yield here and a bounded
                # batch, it kept the loop to itself and the simulator stopped answering subscriptions and
                # accepting connections (seen on a loaded 2-core machine at 20,000 msgs/s).
                n = min(n, max(1, int(rate * _MAX_BATCH_S)))
                self.emitted += n
                if not slept:
                    await anyio.lowlevel.checkpoint()
                return n
            next_at = self._t0 + (self.emitted + 1) / rate
            # Never less than a millisecond: uvloop's timers have millisecond resolution, so a shorter sleep
            # returned at once and the emitter spun, burning a whole core at 2,000 msgs/s (events that fall
            # due meanwhile go out together on the next wake-up; send times are logged as sent).
            await anyio.sleep(max(next_at - now, _MIN_SLEEP_S))
            slept = True
