"""The chaos run's fault schedule: drawn from a seed, so the same seed gives the same schedule.

Faults arrive as a Poisson process (`mean_gap_s` apart on average), each lasting a duration drawn for its kind, so
several overlap at times. Which socket or shard a fault hits is drawn here too, as an index taken modulo what exists
when it fires (sockets come and go; the schedule cannot know their ids).
"""

from __future__ import annotations

import enum
import random

import attrs


class FaultKind(enum.Enum):
    SOCKET_CLOSE = "socket-close"
    """One socket of a venue closed (1011); the venue accepts the reconnect at once."""
    SOCKET_RESET = "socket-reset"
    """One socket reset (no close frame)."""
    SOCKET_STALL = "socket-stall"
    """One socket kept open with nothing sent, then resumed."""
    CHANNEL_SILENCE = "channel-silence"
    """One channel of a venue (quotes or trades) silent on every socket for a while."""
    VENUE_DOWN = "venue-down"
    """Every socket of a venue closed and new ones refused for 1-30 s."""
    SHARD_KILL = "shard-kill"
    """A feed shard SIGKILLed (the supervisor starts it again)."""
    SHARD_STOP = "shard-stop"
    """A feed shard SIGSTOPped for 1-10 s, then continued."""
    BURST = "burst"
    """A venue sends a burst of events as fast as the sockets take them."""


VENUES = ("binance", "bingx")
DURATION_S: dict[FaultKind, tuple[float, float]] = {
    FaultKind.SOCKET_CLOSE: (0.0, 0.0),
    FaultKind.SOCKET_RESET: (0.0, 0.0),
    FaultKind.SOCKET_STALL: (1.0, 8.0),
    FaultKind.CHANNEL_SILENCE: (0.5, 5.0),
    FaultKind.VENUE_DOWN: (1.0, 30.0),
    FaultKind.SHARD_KILL: (0.0, 0.0),
    FaultKind.SHARD_STOP: (1.0, 10.0),
    FaultKind.BURST: (0.0, 0.0),
}
WEIGHTS: dict[FaultKind, float] = {
    FaultKind.SOCKET_CLOSE: 4,
    FaultKind.SOCKET_RESET: 2,
    FaultKind.SOCKET_STALL: 2,
    FaultKind.CHANNEL_SILENCE: 2,
    FaultKind.VENUE_DOWN: 1,
    FaultKind.SHARD_KILL: 1,
    FaultKind.SHARD_STOP: 1,
    FaultKind.BURST: 1,
}
"""Single-socket faults most often (the venues' everyday); whole-venue outages and shard deaths rarer."""


@attrs.frozen(kw_only=True)
class PlannedFault:
    at_s: float
    """Seconds after the run's start."""
    kind: FaultKind
    venue: str
    """The venue it hits (a shard fault: the alpha plane's, binance)."""
    duration_s: float
    pick: int
    """Which socket, channel or shard, modulo what exists when it fires."""

    def describe(self) -> str:
        return f"{self.at_s:7.1f}s {self.kind.value} {self.venue} #{self.pick} for {self.duration_s:.1f}s"


def plan(seed: int, minutes: float, *, mean_gap_s: float = 8.0, warmup_s: float = 20.0) -> list[PlannedFault]:
    """Faults from `warmup_s` until 15 s before the end (the last ones heal inside the run)."""
    rng = random.Random(seed)
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    out: list[PlannedFault] = []
    t = warmup_s
    end = minutes * 60 - 15
    while True:
        t += rng.expovariate(1 / mean_gap_s)
        if t >= end:
            return out
        kind = rng.choices(kinds, weights)[0]
        low, high = DURATION_S[kind]
        venue = "binance" if kind in (FaultKind.SHARD_KILL, FaultKind.SHARD_STOP) else rng.choice(VENUES)
        duration = min(rng.uniform(low, high), max(0.0, end - t))
        out.append(
            PlannedFault(
                at_s=round(t, 3), kind=kind, venue=venue, duration_s=round(duration, 3), pick=rng.randrange(1 << 16)
            )
        )
