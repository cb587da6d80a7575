"""What every bridge-reading ("remote") adapter is told, whatever its bridge: the plane it stands for and when its
prices stop being fresh."""

from __future__ import annotations

import attrs

from violet import defaults as d
from violet.delivery.hub_factory import hub_for
from violet.delivery.silence import default_silent_after_ns
from violet.delivery.tick_hub import TickHub
from violet.domain import Clock


@attrs.frozen(kw_only=True)
class RemotePlaneSettings:
    venue: str
    assets: tuple[str, ...]
    staleness_budget_ns: int = d.ms_to_ns(d.ALPHA_STALENESS_BUDGET_MS)
    """Without a config: the alpha plane's (the plane `violet run` delivers remotely by default)."""
    venue_clock_skew_ns: int | None = d.ms_to_ns(d.VENUE_CLOCK_SKEW_MS)
    """Allowance for the venue clock vs ours; None turns off judging ticks by their `ts_event` (see TickHub)."""
    asset_budgets_ns: dict[str, int] = attrs.field(factory=dict)
    """Per-asset staleness budgets overriding `staleness_budget_ns` (`[<plane>.budget_ms]`)."""
    silent_after_ns: dict[str, int] = attrs.field(factory=default_silent_after_ns)
    """Per kind ("quote", "trade"): nothing this long while the venue's other streams flow is a silent stream."""
    heartbeat_timeout_ns: int = d.ms_to_ns(d.HEARTBEAT_TIMEOUT_MS)
    """No feed heartbeat for this long: the feed process is dead, hung or lost its venue; every price goes stale."""
    ready_timeout_s: float = d.READY_TIMEOUT_S
    """Entering the feed waits at most this long for the feed process's heartbeat (else FeedNotReady)."""
    shards: tuple[tuple[str, ...], ...] = ()
    """The assets each feed shard publishes (each into its own table or under its own heartbeat key); empty: one
    feed publishes all of `assets`."""

    def slices(self) -> tuple[tuple[str, ...], ...]:
        return self.shards or (self.assets,)

    def hub(self, clock: Clock | None) -> TickHub:
        return hub_for(self.venue, self, clock, self.assets)
