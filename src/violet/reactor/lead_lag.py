"""Rolling lead/lag between two price planes: cross-correlation of mid returns at several lags.

Mids are sampled on a fixed grid (bins of `bin_ms`, forward-filled from each plane's newest quote);
`corr(alpha_return[t - k], venue_return[t])` for k = 0..max_lag_bins says how well alpha's move k bins ago
explains venue's move now; the lag with the highest correlation is alpha's lead. `violet study lead-lag` runs the
same estimator over a whole recording (an unbounded window) and also looks at negative lags (venue leading).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

import attrs
import numpy as np
import numpy.typing as npt

from violet.domain import NormalizedTick

type Returns = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True)
class LeadLag:
    best_lag_ms: int | None
    best_corr: float | None
    corr_by_lag_ms: dict[int, float]
    samples: int


def cross_correlation(ra: Returns, rv: Returns, lags_bins: Iterable[int]) -> dict[int, float]:
    """`corr(ra[t - k], rv[t])` by lag k in bins (k > 0: alpha leads, k < 0: venue leads); a lag where either side
    does not move is left out."""
    corr: dict[int, float] = {}
    n = len(ra)
    for k in lags_bins:
        if abs(k) >= n - 1:
            continue
        x, y = (ra[: n - k], rv[k:]) if k >= 0 else (ra[-k:], rv[: n + k])
        # Pearson's r from two dot products: np.corrcoef's generality (covariance matrices, broadcasting) cost ten
        # times this, and the live view estimates every asset at every refresh (`violet bench reactor`).
        dx, dy = x - x.mean(), y - y.mean()
        # Each root apart: the product of two tiny sums of squares underflows to zero before its root is taken.
        scale = math.sqrt(float(dx @ dx)) * math.sqrt(float(dy @ dy))
        if scale == 0 or not math.isfinite(scale):
            continue
        corr[k] = max(-1.0, min(1.0, float(dx @ dy) / scale))
    return corr


class LeadLagEstimator:
    def __init__(self, *, bin_ms: int = 50, max_lag_ms: int = 500, window_bins: int | None = 400) -> None:
        """`window_bins`: the bins kept (None: all, for a study over a recording; a gap then adds at most the
        longest lag's worth of flat bins, so a recording resumed hours later does not add hours of no moves)."""
        self.bin_ns = bin_ms * 1_000_000
        self.bin_ms = bin_ms
        self.max_lag_bins = max_lag_ms // bin_ms
        self._mids: dict[str, float | None] = {"alpha": None, "venue": None}
        self._series: dict[str, deque[float]] = {p: deque(maxlen=window_bins) for p in self._mids}
        self._max_fill = window_bins if window_bins is not None else self.max_lag_bins + 1
        self._bin: int | None = None

    def on_tick(self, plane: str, tick: NormalizedTick) -> None:
        mid = tick.mid
        if mid is None:
            return
        self._advance(tick.mono_ns // self.bin_ns)
        self._mids[plane] = float(mid)

    def _advance(self, current_bin: int) -> None:
        if self._bin is None:
            self._bin = current_bin
            return
        # Close every bin up to the current one with the mids as they stood (forward fill).
        steps = min(current_bin - self._bin, self._max_fill)
        if steps <= 0:
            return
        a, v = self._mids["alpha"], self._mids["venue"]
        if a is not None and v is not None:
            for _ in range(steps):
                self._series["alpha"].append(a)
                self._series["venue"].append(v)
        self._bin = current_bin

    @property
    def samples(self) -> int:
        return len(self._series["alpha"])

    def returns(self) -> tuple[Returns, Returns]:
        """Log returns of alpha's and venue's mids, bin to bin, over the window."""
        a = np.log(np.asarray(self._series["alpha"], dtype=float))
        v = np.log(np.asarray(self._series["venue"], dtype=float))
        return np.diff(a), np.diff(v)

    def estimate(self) -> LeadLag:
        n = self.samples
        if n < self.max_lag_bins + 10:
            return LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=n)
        ra, rv = self.returns()
        by_bins = cross_correlation(ra, rv, range(self.max_lag_bins + 1))
        corr = {k * self.bin_ms: c for k, c in by_bins.items()}
        if not corr:
            return LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=n)
        best = max(corr, key=lambda lag: corr[lag])
        return LeadLag(best_lag_ms=best, best_corr=corr[best], corr_by_lag_ms=corr, samples=n)
