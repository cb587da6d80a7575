"""The live profile's shared market: one path both simulators follow, heavy-tailed activity, Binance's rare prints."""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from decimal import Decimal

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.shared_market import _MASK, _OCTAVES_MS, VOL_PER_SQRT_S, MidPath, SharedMarket, _mix
from violet.sim.engine.universe import Instrument, make_universe

pytestmark = pytest.mark.anyio
UNIVERSE = make_universe(50)


def test_two_processes_with_one_seed_quote_one_market_the_follower_late() -> None:
    binance = SharedMarket(UNIVERSE, seed=11)
    bingx = SharedMarket(UNIVERSE, seed=11, lag_ms=150)
    other = SharedMarket(UNIVERSE, seed=12)
    t = 1_790_000_000_000
    for dt in range(0, 60_000, 997):
        assert bingx.top_units("BTC", t + dt) == binance.top_units("BTC", t + dt - 150)
    assert any(other.top_units("BTC", t + dt) != binance.top_units("BTC", t + dt) for dt in range(0, 60_000, 997))


def _mid_from_scratch(seed: int, base: str, start_units: int, t_ms: int) -> int:
    """The path's definition with nothing kept between reads: four hashes an octave."""
    key = _mix((seed & _MASK) ^ zlib.crc32(base.encode()))
    x = 0.0
    for octave, period in enumerate(_OCTAVES_MS):
        k, r = divmod(t_ms, period)
        a, b = (_mix(key ^ _mix(octave << 48 ^ j)) / _MASK * 2 - 1 for j in (k, k + 1))
        f = r / period
        f = f * f * (3 - 2 * f)
        x += VOL_PER_SQRT_S * (period / 1000) ** 0.5 * (a + (b - a) * f)
    return max(20, round(start_units * (1 + x)))


@given(
    seed=st.integers(0, 2**64),
    steps=st.lists(st.tuples(st.sampled_from(UNIVERSE[:3]), st.integers(-300_000, 300_000)), min_size=1, max_size=60),
)
def test_the_kept_grid_points_give_the_path_as_defined(seed: int, steps: list[tuple[Instrument, int]]) -> None:
    # Reads of several assets, forward and back in time, across grid points of every octave: the same integers as
    # the definition recomputed from scratch, so both simulators still quote one market.
    path = MidPath(seed)
    t = 1_790_000_000_000
    for inst, dt in steps:
        t += dt
        start_units = int(Decimal(inst.start_price).scaleb(inst.price_decimals))
        assert path.mid_units(inst, t) == _mid_from_scratch(seed, inst.base, start_units, t)


def test_the_path_moves_like_a_market_not_a_constant() -> None:
    market = SharedMarket(UNIVERSE, seed=3)
    t = 1_790_000_000_000
    mids = [sum(market.top_units("BTC", t + s * 1000)) / 2 for s in range(600)]
    start = 6_800_000
    assert len(set(mids)) > 300, "it moves second to second"
    assert all(abs(m / start - 1) < 0.05 for m in mids), "by basis points, not percents"
    assert max(mids) / min(mids) - 1 > 0.0005, "over ten minutes it wanders"


def test_activity_is_heavy_tailed_across_symbols() -> None:
    market = SharedMarket(UNIVERSE, seed=5)
    counts = Counter(market.pick().base for _ in range(100_000))
    assert counts["BTC"] > 15 * counts[UNIVERSE[-1].base] > 0
    busiest_five = sum(n for _, n in counts.most_common(5))
    assert busiest_five > 0.4 * 100_000, "a few names carry much of the market"


def test_rare_adl_and_insurance_fund_prints_away_from_the_market() -> None:
    market = SharedMarket(UNIVERSE, seed=9)
    t = 1_790_000_000_000
    trades = [market.trade("BTC", t) for _ in range(40_000)]
    rare = [tr for tr in trades if tr.kind != "MARKET"]
    assert 0 < len(rare) < 100 and {tr.kind for tr in rare} <= {"ADL", "INSURANCE_FUND"}
    bid, ask = market.top_units("BTC", t)
    mid = Decimal(bid + ask) / 2 / 100
    assert all(abs(Decimal(tr.price) / mid - 1) >= Decimal("0.004") for tr in rare)


async def test_both_simulators_live_quote_the_same_market_over_the_wire() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=400, profile="live", seed=4)) as binance,
        BingxSimulator(BingxSimConfig(symbols=2, rate_hz=400, profile="live", seed=4, btc_top_median_s=0.2)) as bingx,
    ):
        async with connect(f"{bingx.ws_url}/swap-market") as x_ws:
            await x_ws.send(json.dumps({"id": "1", "reqType": "sub", "dataType": "BTC-USDT@bookTicker"}))
            with anyio.fail_after(10):
                while '"bookTicker"' not in (text := gzip.decompress(await x_ws.recv()).decode()):  # type: ignore[arg-type]
                    pass
        # Read right after, and leave at once: a client that stops reading a busy socket makes its close wait.
        async with connect(f"{binance.ws_url}/public/ws/btcusdt@bookTicker") as b_ws:
            b = json.loads(await b_ws.recv())
    x = json.loads(text)["data"]
    x_mid = (Decimal(x["b"]) + Decimal(x["a"])) / 2
    b_mid = (Decimal(b["b"]) + Decimal(b["a"])) / 2
    assert abs(x_mid / b_mid - 1) < Decimal("0.002"), "one market behind both venues"
