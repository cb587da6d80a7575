"""The simulators' pacing: a cascade (burst) multiplies the market's rate for its duration, then the base rate is back.

Counted against the same run's base rate (a ratio), so a slow machine moves both sides alike."""

from __future__ import annotations

import time

import pytest

from violet.sim.engine.pacer import Pacer

pytestmark = pytest.mark.anyio


async def count_for(pacer: Pacer, seconds: float) -> int:
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n += await pacer.due()
    return n


async def test_a_surge_multiplies_the_rate_for_its_duration_only() -> None:
    pacer = Pacer(200.0)
    base = await count_for(pacer, 0.5)
    pacer.surge(20.0, 0.5)
    surged = await count_for(pacer, 0.5)
    after = await count_for(pacer, 0.5)
    assert surged > 10 * base, (base, surged)
    assert after < 2 * base, (base, after)
