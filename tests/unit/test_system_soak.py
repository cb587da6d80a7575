"""The soak's arithmetic: slopes after the warm-up, per hour and per million ticks, judged by a median of pairwise
slopes that a step in RSS cannot tilt but a real leak moves."""

from __future__ import annotations

import pytest

from violet.bench.system_soak import MAX_SLOPE_POINTS, MIB, ProcessTrack, least_squares_slope, theil_sen_slope


def test_both_slopes_follow_a_straight_line_and_a_leak_hidden_in_steps() -> None:
    line = [(t, int(1000 + 3 * t)) for t in (0.0, 1.0, 2.0, 5.0)]
    assert least_squares_slope(line) == pytest.approx(3.0)
    assert theil_sen_slope(line) == pytest.approx(3.0)
    assert least_squares_slope([(1.0, 5), (1.0, 9)]) == 0.0
    assert theil_sen_slope([(1.0, 5), (1.0, 9)]) == 0.0
    # A leak of 1 MiB a minute whose RSS moves by arena-sized steps of +-0.4 MiB: the judge still sees the leak.
    stepped = [(60.0 * m, int(100 * MIB + m * MIB + (0.4 * MIB if m % 3 == 0 else -0.4 * MIB))) for m in range(30)]
    assert theil_sen_slope(stepped) * 60 / MIB == pytest.approx(1.0, rel=0.05)


def test_a_dip_at_the_start_of_the_window_is_not_read_as_growth() -> None:
    # The shape of the 2026-12-06 Hazelcast chaos run's reactor: one sample 0.4 MiB low (memory handed back), then
    # flat. Least squares reads the return as growth; the judge reads flat.
    series = [(0.0, int(81.6 * MIB))] + [(5.0 * i, int(82.0 * MIB)) for i in range(1, 120)]
    assert least_squares_slope(series) * 3600 / MIB > 0.1
    assert theil_sen_slope(series) == 0.0


def test_a_long_series_is_judged_on_bin_medians_with_the_same_slope() -> None:
    points = [(2.0 * i, int(50 * MIB + 2.0 * i * 100)) for i in range(5 * MAX_SLOPE_POINTS)]
    assert theil_sen_slope(points) == pytest.approx(100.0, rel=0.01)


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
    assert summary["least_squares_mib_per_hour"] == pytest.approx(1.0)
    assert summary["slope_mib_per_million_ticks"] == pytest.approx(0.5)
