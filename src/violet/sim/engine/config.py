"""What every venue simulator is configured with; a venue's config class adds its own limits and cadences."""

from __future__ import annotations

from typing import Literal

import attrs


@attrs.frozen(kw_only=True)
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 0
    symbols: int = 5
    rate_hz: float = 100.0
    seed: int = 1
    tls: bool = False
    allow_remote: bool = False
    """Bind to a non-loopback address only when explicitly told."""
    ping_interval_s: float = 180.0
    pong_timeout_s: float = 600.0
    max_lifetime_s: float = 24 * 3600.0
    mark_interval_s: float = 1.0
    market: bool = True
    """Run the market; off for tests that inject every frame themselves."""
    profile: Literal["live", "uniform"] = "live"
    """live: the venues as measured (one market shared by both simulators, heavy-tailed activity across symbols,
    each venue's own cadences and rules; `rate_hz` is the shared market's mean rate of quote changes and trades);
    uniform: a random walk at exactly `rate_hz`, all symbols alike (benchmarks that need a fixed load). Events a
    test injects are sent as injected under either."""
    lag_ms: int = 0
    """live: this venue reads the shared market this late (BingX follows Binance)."""
    burst: tuple[float, float] | None = None
    """(factor, seconds): the market's rate times `factor` for `seconds`, every `burst_every_s` (a liquidation
    cascade); the `cascade:FACTOR:SECONDS` fault does it once."""
    burst_every_s: float = 60.0
    listing_churn_s: float = 0.0
    """Every this many seconds the venue delists one trading name (seeded; never among the three most active), or
    lists the one it delisted again, in turn (0: off): delistings and listings during a run, as a whole-market feed
    meets them (the `delist:BASE` and `list:BASE` faults do one at a time)."""
    cadence_from: str | None = None
    """A `violet record` file: the market's events come at its streams' recorded inter-arrival times (per stream,
    in order, looping) instead of at `rate_hz`; prices still come from this simulator's market."""
