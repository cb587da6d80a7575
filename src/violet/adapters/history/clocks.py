"""The clocks a replay runs on: recorded time, so ages, budgets and verdicts are what they were live."""

from __future__ import annotations

import time
from typing import Protocol

from violet.domain import ManualClock


class ReplayClock(Protocol):
    def monotonic_ns(self) -> int: ...

    def advance_to(self, ns: int) -> None:
        """Never backwards."""
        ...

    def wait_ns(self, ns: int) -> float:
        """Seconds of real time until the clock reads `ns` (0 for a clock that only moves when told)."""
        ...

    def start(self, at_ns: int) -> None:
        """The replay begins now, at recorded time `at_ns` (a paced clock flows from here)."""
        ...


class SteppedClock(ManualClock):
    """Moves only to the records replayed (as fast as possible) or when a test advances it: ages between two
    records do not grow, since no real time passes between them."""

    __slots__ = ()

    def advance_to(self, ns: int) -> None:
        now = self.monotonic_ns()
        if ns > now:
            self.advance(ns - now)

    def wait_ns(self, ns: int) -> float:
        return 0.0

    def start(self, at_ns: int) -> None:
        self.advance_to(at_ns)


class PacedClock:
    """Recorded time flowing at `speed` times real time from `start_ns`: between records, ages grow as they did."""

    __slots__ = ("_speed", "_start_ns", "_wall0")

    def __init__(self, speed: float, start_ns: int = 0) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._start_ns = start_ns
        self._speed = speed
        self._wall0 = time.monotonic_ns()

    def monotonic_ns(self) -> int:
        return self._start_ns + int((time.monotonic_ns() - self._wall0) * self._speed)

    def advance_to(self, ns: int) -> None:
        return  # it flows by itself; the replay waits for it

    def wait_ns(self, ns: int) -> float:
        return max(0.0, (ns - self.monotonic_ns()) / self._speed / 1e9)

    def start(self, at_ns: int) -> None:
        self._start_ns = at_ns
        self._wall0 = time.monotonic_ns()
