"""The simulators' pacing: a cascade (burst) multiplies the market's rate for its duration, then the base rate is back.

Counted against the same run's base rate (a ratio), so a slow machine moves both sides alike."""

from __future__ import annotations

import time

import anyio
import pytest

from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.pacer import Pacer
from violet.sim.engine.simulator import SimulatorCore

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


async def test_an_emitter_far_behind_its_schedule_still_lets_the_loop_serve_others() -> None:
    """A starved simulator is always behind; each batch is bounded and yields, so its sockets are still served."""
    pacer = Pacer(20_000.0)
    pacer.reset()
    pacer._t0 -= 30.0  # 600,000 events overdue, as after a long stall of the process
    served = []

    async def other_work() -> None:
        served.append(pacer.emitted)

    async with anyio.create_task_group() as tg:
        tg.start_soon(other_work)
        batches = [await pacer.due() for _ in range(3)]
    assert max(batches) <= 200, batches
    assert served and served[0] < sum(batches), "another task ran between the emitter's batches"
    assert pacer.behind


async def events_in(sim: SimulatorCore, seconds: float) -> int:
    start = sim.events_emitted
    await anyio.sleep(seconds)  # a measurement window on the simulator's own count, not a wait for an outcome
    return sim.events_emitted - start


async def test_under_the_live_profile_rate_hz_is_the_markets_mean_rate() -> None:
    cfg = BinanceSimConfig(symbols=20, rate_hz=500.0, profile="live", mark_interval_s=3600.0)
    async with BinanceSimulator(cfg) as sim:
        await anyio.sleep(0.2)  # past the first batch
        assert 0.8 * 500 * 2 < await events_in(sim, 2.0) < 1.2 * 500 * 2


async def test_the_burst_option_surges_the_rate_on_its_schedule() -> None:
    cfg = BinanceSimConfig(symbols=5, rate_hz=200.0, burst=(10.0, 0.5), burst_every_s=1.0, mark_interval_s=3600.0)
    async with BinanceSimulator(cfg) as sim:
        calm = await events_in(sim, 0.8)  # before the first burst (at 1 s)
        with anyio.fail_after(5):
            while sim.pacer.current_rate_hz < 2_000:  # the burst starts on its schedule
                await anyio.sleep(0.01)
        surged = await events_in(sim, 0.4)
    assert surged > 4 * calm / 0.8 * 0.4, (calm, surged)
