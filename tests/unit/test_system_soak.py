"""The soak's arithmetic: slopes after the warm-up, per hour and per million ticks."""

from __future__ import annotations

import pytest

from violet.bench.system_soak import MIB, ProcessTrack, _slope


def test_slope_is_the_least_squares_line_through_the_samples() -> None:
    points = [(t, int(1000 + 3 * t)) for t in (0.0, 1.0, 2.0, 5.0)]
    assert _slope(points) == pytest.approx(3.0)
    assert _slope([(1.0, 5), (1.0, 9)]) == 0.0


def test_summary_takes_the_slope_after_the_warm_up_only() -> None:
    track = ProcessTrack("p", 0)
    # 100 MiB in the first minute (start-up), then 1 MiB per hour.
    for t, rss in [(0.0, 0), (30.0, 100 * MIB)] + [
        (60.0 + h * 3600, int(100 * MIB + h * MIB)) for h in (0.0, 0.5, 1.0)
    ]:
        track.record(t, rss)
    summary = track.summary(warmup_s=60.0, ticks_per_hour=2_000_000)
    assert summary["rss_after_warmup_mib"] == pytest.approx(100.0)
    assert summary["slope_mib_per_hour"] == pytest.approx(1.0)
    assert summary["slope_mib_per_million_ticks"] == pytest.approx(0.5)
