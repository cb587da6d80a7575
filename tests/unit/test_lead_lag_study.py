"""The lead/lag study's arithmetic: per asset through the reactor's estimator, and pooled, both ways in lag."""

from __future__ import annotations

import random
from decimal import Decimal

from violet.domain import NormalizedTick
from violet.study.lead_lag_study import LeadLagStudy

BIN_NS = 50_000_000


def _tick(asset: str, mid: float, mono_ns: int) -> NormalizedTick:
    m = Decimal(str(round(mid, 2)))
    return NormalizedTick(
        venue="x", asset=asset, bid=m - Decimal("0.01"), ask=m + Decimal("0.01"), ts_event=mono_ns, mono_ns=mono_ns
    )


def _feed(
    study: LeadLagStudy, asset: str, lag_bins: int, *, start: float, step: float, seed: int, n: int = 800
) -> None:
    """A random walk on the leader, copied `lag_bins` later by the follower (lag > 0: alpha leads)."""
    rng = random.Random(seed)
    walk = [start]
    for _ in range(n):
        walk.append(walk[-1] + rng.choice((-step, step, 0.0)))
    lead, follow = ("alpha", "venue") if lag_bins >= 0 else ("venue", "alpha")
    k = abs(lag_bins)
    for i in range(k, len(walk)):
        t = i * BIN_NS + 1_000
        study.on_tick(lead, _tick(asset, walk[i], t))
        study.on_tick(follow, _tick(asset, walk[i - k], t + 1))


def test_each_asset_gets_its_own_lag_and_the_pool_the_common_one() -> None:
    study = LeadLagStudy(bin_ms=50, max_lag_ms=1000)
    _feed(study, "BTCUSDT-PERP", 6, start=68_000, step=5, seed=1)
    _feed(study, "ETHUSDT-PERP", 6, start=3_000, step=0.5, seed=2)
    _feed(study, "DOGEUSDT-PERP", -2, start=100, step=0.01, seed=3)  # here the venue leads
    result = study.result()
    best = {c.name: c.best_lag_ms for c in result.per_asset}
    assert best == {"BTCUSDT-PERP": 300, "ETHUSDT-PERP": 300, "DOGEUSDT-PERP": -100}
    assert all(c.best_corr is not None and c.best_corr > 0.9 for c in result.per_asset)
    assert result.pooled.best_lag_ms == 300
    # Two of three assets move together at 300 ms, scaled alike: the pool sees about two thirds of a perfect fit.
    assert 0.5 < result.pooled.corr_by_lag_ms[300] < 0.8
    assert 0.2 < result.pooled.corr_by_lag_ms[-100] < 0.45
    assert set(result.pooled.corr_by_lag_ms) <= set(range(-1000, 1001, 50))
    assert result.ticks == {"alpha": 3 * 801 - 14, "venue": 3 * 801 - 14}


def test_the_pool_weighs_assets_alike_whatever_their_price_scale() -> None:
    """A volatile asset must not drown a quiet one: each is scaled to unit variance before pooling."""
    study = LeadLagStudy(bin_ms=50, max_lag_ms=500)
    _feed(study, "BTCUSDT-PERP", 4, start=68_000, step=300, seed=5)  # huge moves, alpha leads by 200 ms
    _feed(study, "ETHUSDT-PERP", -4, start=3_000, step=0.05, seed=6)  # tiny moves, venue leads by 200 ms
    pooled = study.result().pooled
    assert abs(pooled.corr_by_lag_ms[200] - pooled.corr_by_lag_ms[-200]) < 0.1


def test_a_gap_adds_no_hours_of_flat_prices() -> None:
    study = LeadLagStudy(bin_ms=50, max_lag_ms=500)
    study.on_tick("alpha", _tick("BTCUSDT-PERP", 100, 0))
    study.on_tick("venue", _tick("BTCUSDT-PERP", 100, 1))
    study.on_tick("alpha", _tick("BTCUSDT-PERP", 101, 3_600 * 1_000_000_000))  # a recording resumed an hour later
    (curve,) = study.result().per_asset
    assert curve.bins == 11  # the longest lag's worth of bins (10) and one


def test_nothing_recorded_is_an_empty_study_not_an_error() -> None:
    result = LeadLagStudy().result()
    assert result.per_asset == () and result.pooled.best_lag_ms is None
