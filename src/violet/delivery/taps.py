"""What happens when a tap (a bridge writer, a metrics observer: code called with every tick) raises: delivery goes
on, the failure is counted (`tap_errors`) and logged once per tap, so a bug in an observer never stops the prices."""

from __future__ import annotations

import logging
from collections.abc import Callable

from violet.delivery.counters import MutableCounters

log = logging.getLogger("violet.delivery")


class TapGuard:
    def __init__(self, counters: MutableCounters) -> None:
        self._counters = counters
        self._logged: set[str] = set()

    def failed(self, tap: Callable[..., object], exc: Exception) -> None:
        self._counters.tap_errors += 1
        name = getattr(tap, "__qualname__", type(tap).__qualname__)
        if name not in self._logged:
            self._logged.add(name)
            log.error("tap %s raised %s: %s (delivery goes on; counted in tap_errors)", name, type(exc).__name__, exc)
