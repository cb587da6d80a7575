"""The lead/lag estimator's correlation, computed from dot products, is Pearson's r as numpy's corrcoef gives it, and
leaves out the lags where either side does not move."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from violet.reactor.lead_lag import cross_correlation

returns = st.lists(st.floats(-0.01, 0.01, allow_nan=False, allow_subnormal=False), min_size=3, max_size=120)


@given(returns, returns, st.integers(-8, 12))
@example([0.0, 0.0, 3.057114236206632e-118], [0.0, 0.0, 3.057114236206632e-118], 0)  # sums of squares underflowing
def test_each_lag_is_pearsons_r_of_the_overlapping_slices(a: list[float], v: list[float], lowest: int) -> None:
    n = min(len(a), len(v))
    ra, rv = np.array(a[:n]), np.array(v[:n])
    lags = range(lowest, lowest + 6)
    got = cross_correlation(ra, rv, lags)
    for k in lags:
        if abs(k) >= n - 1:
            assert k not in got
            continue
        x, y = (ra[: n - k], rv[k:]) if k >= 0 else (ra[-k:], rv[: n + k])
        if x.std() == 0 or y.std() == 0:
            assert k not in got, "a side that does not move has no correlation"
            continue
        reference = float(np.corrcoef(x, y)[0, 1])
        if not np.isfinite(reference):  # numpy's own overflow or underflow on extreme values: nothing to compare
            continue
        assert k in got
        assert abs(got[k] - reference) < 1e-9
        assert -1.0 <= got[k] <= 1.0
