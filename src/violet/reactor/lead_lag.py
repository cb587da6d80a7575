"""Rolling lead/lag between two price planes: cross-correlation of mid returns at several lags.

Mids are sampled on a fixed grid (bins of `bin_ms`, forward-filled from each plane's newest quote);
`corr(alpha_return[t - k], venue_return[t])` for k = 0..max_lag_bins says how well alpha's move k bins ago
explains venue's move now; the lag with the highest correlation is alpha's lead.
"""

from __future__ import annotations

from collections import deque

import attrs
import numpy as np

from violet.domain import NormalizedTick


@attrs.frozen(kw_only=True)
class LeadLag:
    best_lag_ms: int | None
    best_corr: float | None
    corr_by_lag_ms: dict[int, float]
    samples: int


class LeadLagEstimator:
    def __init__(self, *, bin_ms: int = 50, max_lag_ms: int = 500, window_bins: int = 400) -> None:
        self.bin_ns = bin_ms * 1_000_000
        self.bin_ms = bin_ms
        self.max_lag_bins = max_lag_ms // bin_ms
        self._mids: dict[str, float | None] = {"alpha": None, "venue": None}
        self._series: dict[str, deque[float]] = {p: deque(maxlen=window_bins) for p in self._mids}
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
        steps = min(current_bin - self._bin, self._series["alpha"].maxlen or 0)
        if steps <= 0:
            return
        a, v = self._mids["alpha"], self._mids["venue"]
        if a is not None and v is not None:
            for _ in range(steps):
                self._series["alpha"].append(a)
                self._series["venue"].append(v)
        self._bin = current_bin

    def estimate(self) -> LeadLag:
        a = np.log(np.asarray(self._series["alpha"], dtype=float))
        v = np.log(np.asarray(self._series["venue"], dtype=float))
        n = len(a)
        if n < self.max_lag_bins + 10:
            return LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=n)
        ra, rv = np.diff(a), np.diff(v)
        corr: dict[int, float] = {}
        for k in range(self.max_lag_bins + 1):
            x = ra[: len(ra) - k] if k else ra
            y = rv[k:]
            if x.std() == 0 or y.std() == 0:
                continue
            corr[k * self.bin_ms] = float(np.corrcoef(x, y)[0, 1])
        if not corr:
            return LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=n)
        best = max(corr, key=lambda lag: corr[lag])
        return LeadLag(best_lag_ms=best, best_corr=corr[best], corr_by_lag_ms=corr, samples=n)
