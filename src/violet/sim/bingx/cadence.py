"""How often each BingX channel speaks under the live profile, per symbol (PROTOCOL.md section 11).

Measured live: BTC-USDT's `@bookTicker` pushes on change only, median gap 0.55-2.7 s; `@incrDepth` updates every
~200 ms on BTC-USDT and ETH-USDT, 400-440 ms on mid names, 730-780 ms on thin names, a quiet book silent for seconds
(up to ~20 s on the quietest); `@depthN` sends a whole snapshot every 200 ms on BTC-USDT and ETH-USDT whatever its
name says. Not measured, and so assumptions (configurable through `BingxSimConfig`): the top-change gaps of names
other than BTC-USDT, the quiet spells' frequency, and the depth snapshots' cadence on other names (their name's).
"""

from __future__ import annotations

import math
import random

import attrs

MAJORS = ("BTC", "ETH")
MID_NAMES = 10
"""Ranks below this (after the majors) count as mid names; the rest are thin."""


@attrs.frozen(kw_only=True)
class Cadence:
    incr_ms: int
    """`@incrDepth` update interval."""
    top_median_s: float
    """Median gap between changes of the top of book (so between `@bookTicker` pushes)."""
    quiet_share: float
    """Share of update intervals in which the book does not change (nothing is sent)."""
    quiet_spell_s: tuple[float, float]
    """A quiet spell (no change at all) lasts this long, drawn uniformly."""
    spell_share: float
    """Share of intervals in which a quiet spell starts (BTC/ETH: the probe's longest silence in ~25 minutes was
    1.4-1.6 s, so spells are rare there; more often on thinner names: assumption)."""
    depth_ms: int | None
    """`@depthN` snapshot interval; None: the interval its name says."""


# tier: (incrDepth ms, top-change median as a multiple of BTC's, quiet share, quiet spell s, spell share, depth ms)
_TIERS: dict[str, tuple[int, float, float, tuple[float, float], float, int | None]] = {
    "major": (200, 1.0, 0.02, (1.0, 1.6), 0.0007, 200),
    "mid": (420, 2.5, 0.25, (3.0, 4.0), 0.005, None),
    "thin": (750, 5.0, 0.5, (5.0, 21.0), 0.01, None),
}


def cadence_for(base: str, rank: int, *, btc_top_median_s: float = 1.2) -> Cadence:
    tier = "major" if base in MAJORS else "mid" if rank < MID_NAMES else "thin"
    incr_ms, top_factor, quiet_share, spell_s, spell_share, depth_ms = _TIERS[tier]
    if base == "ETH":
        top_factor = 1.3
    return Cadence(
        incr_ms=incr_ms,
        top_median_s=btc_top_median_s * top_factor,
        quiet_share=quiet_share,
        quiet_spell_s=spell_s,
        spell_share=spell_share,
        depth_ms=depth_ms,
    )


def top_gap_s(cadence: Cadence, rng: random.Random) -> float:
    """A gap between top changes: log-normal around the median (sigma 0.8: most gaps near it, a long tail)."""
    return cadence.top_median_s * math.exp(rng.gauss(0.0, 0.8))


def name_interval_ms(channel: str) -> int:
    """The interval a depth channel's name asks for (`depth20@500ms` -> 500); 1000 ms without one (assumption)."""
    _, _, interval = channel.partition("@")
    return int(interval.removesuffix("ms")) if interval.endswith("ms") and interval[:-2].isdigit() else 1000
