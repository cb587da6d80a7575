"""An adapter's hub, built from its settings: how every adapter judges freshness the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from violet.delivery.tick_hub import TickHub
from violet.domain import Clock, SystemClock


class FreshnessSettings(Protocol):
    """What an adapter's settings say about freshness (every adapter's settings have these two)."""

    @property
    def staleness_budget_ns(self) -> int: ...

    @property
    def venue_clock_skew_ns(self) -> int | None: ...

    @property
    def asset_budgets_ns(self) -> Mapping[str, int]: ...

    @property
    def silent_after_ns(self) -> Mapping[str, int]: ...


def hub_for(venue: str, settings: FreshnessSettings, clock: Clock | None, assets: Iterable[str] = ()) -> TickHub:
    """The hub of an adapter for `venue`, judging freshness as its settings say (system clock by default)."""
    return TickHub(
        venue=venue,
        clock=clock or SystemClock(),
        staleness_budget_ns=settings.staleness_budget_ns,
        assets=assets,
        venue_clock_skew_ns=settings.venue_clock_skew_ns,
        asset_budgets_ns=settings.asset_budgets_ns,
        silent_after_ns=settings.silent_after_ns,
    )
