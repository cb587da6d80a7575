"""Monotonic clocks. Staleness is always judged on an injected clock so tests never sleep."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic_ns(self) -> int: ...


class SystemClock:
    """`time.monotonic_ns`, the same clock the simulators stamp send times with."""

    __slots__ = ()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()


class ManualClock:
    """A clock that moves only when told: for tests and replay."""

    __slots__ = ("_now",)

    def __init__(self, start_ns: int = 1_000_000_000) -> None:
        if start_ns < 0:
            raise ValueError("start_ns must be >= 0")
        self._now = start_ns

    def monotonic_ns(self) -> int:
        return self._now

    def advance(self, delta_ns: int) -> None:
        if delta_ns < 0:
            raise ValueError("a monotonic clock never goes back")
        self._now += delta_ns
