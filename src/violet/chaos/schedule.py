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
    REFUSED_RESUBSCRIBE = "refused-resubscribe"
    """A BingX contract paused for a while (status 25) and the socket carrying it closed: its topics are refused when
    the socket comes back and asks for them again, and granted once the pause ends."""
    CLOCK_SKEW = "clock-skew"
    """A venue's clock a few hundred milliseconds ahead or behind for a while, then stepped back."""
    MEMBER_RESTART = "member-restart"
    """The Hazelcast member restarted (with `--bridge hz`)."""


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
    FaultKind.REFUSED_RESUBSCRIBE: (2.0, 20.0),
    FaultKind.CLOCK_SKEW: (2.0, 20.0),
    FaultKind.MEMBER_RESTART: (0.0, 0.0),
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
    FaultKind.REFUSED_RESUBSCRIBE: 1,
    FaultKind.CLOCK_SKEW: 1,
    FaultKind.MEMBER_RESTART: 0.5,
}
"""Single-socket faults most often (the venues' everyday); whole-venue outages and shard deaths rarer."""


BRIDGE_FAULTS = {"shm": frozenset(), "hz": frozenset({FaultKind.MEMBER_RESTART})}
"""Faults of the bridge itself, drawn only when that bridge runs."""
SKEW_MS = (100, 600)
"""How far a skewed venue clock is off ("a few hundred milliseconds"), ahead or behind."""
ALPHA_ONLY = frozenset({FaultKind.SHARD_KILL, FaultKind.SHARD_STOP, FaultKind.MEMBER_RESTART})
BINGX_ONLY = frozenset({FaultKind.REFUSED_RESUBSCRIBE})
"""The BingX simulator can pause a contract (status 25, refused with 80015); the Binance one has no such state."""


def skew_ms(pick: int) -> int:
    """The skew a CLOCK_SKEW fault applies, drawn from its pick: ahead on odd picks, behind on even ones."""
    low, high = SKEW_MS
    size = low + (pick >> 1) % (high - low + 1)
    return size if pick & 1 else -size


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


def plan(
    seed: int, minutes: float, *, bridge: str = "shm", mean_gap_s: float = 8.0, warmup_s: float = 20.0
) -> list[PlannedFault]:
    """Faults from `warmup_s` until 15 s before the end (the last ones heal inside the run)."""
    rng = random.Random(seed)
    bridge_faults = set().union(*BRIDGE_FAULTS.values())
    kinds = [k for k in WEIGHTS if k not in bridge_faults or k in BRIDGE_FAULTS[bridge]]
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
        venue = "binance" if kind in ALPHA_ONLY else "bingx" if kind in BINGX_ONLY else rng.choice(VENUES)
        duration = min(rng.uniform(low, high), max(0.0, end - t))
        out.append(
            PlannedFault(
                at_s=round(t, 3), kind=kind, venue=venue, duration_s=round(duration, 3), pick=rng.randrange(1 << 16)
            )
        )
