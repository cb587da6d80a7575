"""What every bridge-reading ("remote") adapter is told, whatever its bridge: the plane it stands for and when its
prices stop being fresh."""

from __future__ import annotations

import attrs

from violet.delivery.tick_hub import TickHub, hub_for
from violet.domain import Clock


@attrs.frozen(kw_only=True)
class RemotePlaneSettings:
    venue: str
    assets: tuple[str, ...]
    staleness_budget_ns: int = 1_000_000_000
    venue_clock_skew_ns: int | None = 250_000_000
    """Allowance for the venue clock vs ours; None turns off judging ticks by their `ts_event` (see TickHub)."""
    heartbeat_timeout_ns: int = 500_000_000
    ready_timeout_s: float = 30.0
    """Entering the feed waits at most this long for the feed process's heartbeat (else FeedNotReady)."""
    """No feed heartbeat for this long: the feed process is dead, hung or lost its venue; every price goes stale."""

    def hub(self, clock: Clock | None) -> TickHub:
        return hub_for(self.venue, self, clock, self.assets)
