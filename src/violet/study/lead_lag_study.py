"""Lead/lag over a whole recording: the reactor's own estimator per asset, and the assets pooled.

Per asset, `LeadLagEstimator` (the one `BasisMonitor` runs live) bins both planes' mids on violet's receive time and
correlates their returns at each lag. Pooled, each asset's returns are scaled to unit variance first, so the curve
is the assets' common shape, not the most volatile one's. Lags run both ways: a positive lag is alpha (Binance)
leading the venue (BingX), a negative one the venue leading.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
import numpy as np

from violet.domain import NormalizedTick
from violet.reactor.lead_lag import LeadLagEstimator, Returns, cross_correlation

POOLED = "pooled"


@attrs.frozen(kw_only=True)
class LagCurve:
    name: str
    """The asset, or `pooled`."""
    bins: int
    """Bins with both planes' mids known."""
    moves: tuple[int, int]
    """Bins in which alpha's mid moved, and the venue's."""
    corr_by_lag_ms: dict[int, float]

    @property
    def best_lag_ms(self) -> int | None:
        return max(self.corr_by_lag_ms, key=self.corr_by_lag_ms.__getitem__) if self.corr_by_lag_ms else None

    @property
    def best_corr(self) -> float | None:
        best = self.best_lag_ms
        return None if best is None else self.corr_by_lag_ms[best]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bins": self.bins,
            "alpha_moves": self.moves[0],
            "venue_moves": self.moves[1],
            "best_lag_ms": self.best_lag_ms,
            "best_corr": self.best_corr,
            "corr_by_lag_ms": {str(k): round(v, 6) for k, v in sorted(self.corr_by_lag_ms.items())},
        }


@attrs.frozen(kw_only=True)
class LeadLagResult:
    bin_ms: int
    max_lag_ms: int
    per_asset: tuple[LagCurve, ...]
    pooled: LagCurve
    ticks: dict[str, int]
    """Ticks read per plane."""

    def to_json(self) -> dict[str, Any]:
        return {
            "bin_ms": self.bin_ms,
            "max_lag_ms": self.max_lag_ms,
            "ticks": self.ticks,
            "pooled": self.pooled.to_json(),
            "per_asset": [c.to_json() for c in self.per_asset],
        }


def pooled_cross_correlation(pairs: list[tuple[Returns, Returns]], lags_bins: range) -> dict[int, float]:
    """One correlation per lag over every asset's lagged pairs, each asset scaled to unit variance (an asset that
    does not move on either side adds nothing)."""
    scaled = [(a / a.std(), v / v.std()) for a, v in pairs if len(a) > 1 and a.std() > 0 and v.std() > 0]
    corr: dict[int, float] = {}
    for k in lags_bins:
        xs, ys = [], []
        for a, v in scaled:
            n = len(a)
            if abs(k) >= n - 1:
                continue
            xs.append(a[: n - k] if k >= 0 else a[-k:])
            ys.append(v[k:] if k >= 0 else v[: n + k])
        if xs:
            x, y = np.concatenate(xs), np.concatenate(ys)
            if x.std() > 0 and y.std() > 0:
                corr[k] = float(np.corrcoef(x, y)[0, 1])
    return corr


class LeadLagStudy:
    """Feed it every tick of both planes (`on_tick`), then read `result()`."""

    def __init__(self, *, bin_ms: int = 50, max_lag_ms: int = 1000) -> None:
        if bin_ms <= 0 or max_lag_ms < bin_ms:
            raise ValueError("bin_ms must be > 0 and max_lag_ms at least one bin")
        self.bin_ms = bin_ms
        self.max_lag_ms = max_lag_ms
        self._estimators: dict[str, LeadLagEstimator] = {}
        self.ticks: Counter[str] = Counter()

    def on_tick(self, plane: str, tick: NormalizedTick) -> None:
        self.ticks[plane] += 1
        est = self._estimators.get(tick.asset)
        if est is None:
            est = self._estimators[tick.asset] = LeadLagEstimator(
                bin_ms=self.bin_ms, max_lag_ms=self.max_lag_ms, window_bins=None
            )
        est.on_tick(plane, tick)

    def result(self) -> LeadLagResult:
        max_bins = self.max_lag_ms // self.bin_ms
        lags = range(-max_bins, max_bins + 1)
        curves, pairs = [], []
        for asset in sorted(self._estimators):
            est = self._estimators[asset]
            ra, rv = est.returns()
            pairs.append((ra, rv))
            curves.append(self._curve(asset, est.samples, ra, rv, cross_correlation(ra, rv, lags)))
        bins = sum(c.bins for c in curves)
        all_a = np.concatenate([a for a, _ in pairs]) if pairs else np.zeros(0)
        all_v = np.concatenate([v for _, v in pairs]) if pairs else np.zeros(0)
        pooled = self._curve(POOLED, bins, all_a, all_v, pooled_cross_correlation(pairs, lags))
        return LeadLagResult(
            bin_ms=self.bin_ms,
            max_lag_ms=self.max_lag_ms,
            per_asset=tuple(curves),
            pooled=pooled,
            ticks=dict(self.ticks),
        )

    def _curve(self, name: str, bins: int, ra: Returns, rv: Returns, by_bins: dict[int, float]) -> LagCurve:
        return LagCurve(
            name=name,
            bins=bins,
            moves=(int(np.count_nonzero(ra)), int(np.count_nonzero(rv))),
            corr_by_lag_ms={k * self.bin_ms: c for k, c in by_bins.items()},
        )
