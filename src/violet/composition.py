"""The one composition root: config in, wired but unstarted objects out. Nothing connects here."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import attrs

from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, SyntheticMarket
from violet.config import ConfigError, PlaneConfig, VioletConfig
from violet.domain import Clock, SystemClock
from violet.ports import VenuePriceFeedPort

Service = Callable[[], Coroutine[Any, Any, None]]
"""Something that must run beside the feeds for them to have data (a simulator, a synthetic market)."""


@attrs.frozen(kw_only=True)
class App:
    alpha: VenuePriceFeedPort
    venue: VenuePriceFeedPort
    services: tuple[Service, ...] = ()
    clock: Clock = attrs.field(factory=SystemClock)


def _ms_to_ns(ms: float) -> int:
    return round(ms * 1_000_000)


def _build_plane(
    name: str, plane: PlaneConfig, cfg: VioletConfig, clock: Clock, seed_offset: int
) -> tuple[VenuePriceFeedPort, tuple[Service, ...]]:
    match plane.adapter:
        case "in_memory":
            venue = InMemoryVenue(tuple(plane.assets))
            market = SyntheticMarket(venue, rate_hz=cfg.synthetic.rate_hz, seed=cfg.synthetic.seed + seed_offset)
            feed = InMemoryPriceFeed(
                venue, name=name, staleness_budget_ns=_ms_to_ns(plane.staleness_budget_ms), clock=clock
            )
            return feed, (market.run,)
        case other:  # pragma: no cover - the schema admits only adapters this build has
            raise ConfigError("<config>", f"{name}.adapter", f"adapter {other!r} is not available in this build")


def build_app(cfg: VioletConfig, *, clock: Clock | None = None) -> App:
    clock = clock or SystemClock()
    alpha, alpha_services = _build_plane("alpha", cfg.alpha, cfg, clock, 0)
    venue, venue_services = _build_plane("venue", cfg.venue, cfg, clock, 1)
    return App(alpha=alpha, venue=venue, services=alpha_services + venue_services, clock=clock)
