"""The chaos oracle catches what it claims: each kind of violation is planted in an otherwise clean run (a reader
that restamps old ticks as new, a feed that darkens every asset on one socket's close, a stream that never comes
back after its fault heals), and the clean run passes."""

from __future__ import annotations

from collections.abc import Sequence

from violet.chaos.oracle import (
    MS,
    FaultWindow,
    Rules,
    S,
    Sample,
    Sent,
    Stream,
    judge,
    unexplained_rejections,
    venue_repeats,
)

BTC: Stream = ("venue", "BTCUSDT-PERP", "quote")
ETH: Stream = ("venue", "ETHUSDT-PERP", "quote")
BUDGET = 1 * S


def venue(stream: Stream, seconds: int, *, every_ms: int = 100, start_ns: int = 0) -> list[Sent]:
    """A venue sending a new price every `every_ms` for `seconds`: price n at n*every_ms."""
    return [
        Sent(stream, 1_000 + n, f"{100 + n}/{101 + n}", start_ns + n * every_ms * MS)
        for n in range(seconds * 1000 // every_ms)
    ]


def faithful_reader(
    sent: list[Sent], *, lag_ms: int = 5, every_ms: int = 50, down: Sequence[FaultWindow] = ()
) -> list[Sample]:
    """What a correct reactor reads: the newest frame sent at least `lag_ms` before, fresh unless a fault covers it."""
    out = []
    end = sent[-1].send_ns
    stream = sent[0].stream
    t = sent[0].send_ns + lag_ms * MS
    i = 0
    while t <= end:
        while i + 1 < len(sent) and sent[i + 1].send_ns <= t - lag_ms * MS:
            i += 1
        newest = sent[i]
        dark = any(f.touches(stream) and f.start_ns <= t <= f.end_ns for f in down)
        out.append(
            Sample(
                stream, t, not dark, "feed-down" if dark else "fresh", BUDGET, ts_ms=newest.ts_ms, prices=newest.prices
            )
        )
        t += every_ms * MS
    return out


def test_a_faithful_reader_passes() -> None:
    sent = venue(BTC, 20) + venue(ETH, 20)
    samples = faithful_reader(venue(BTC, 20)) + faithful_reader(venue(ETH, 20))
    verdict = judge(sent, samples, [])
    assert verdict.passed, verdict.violations
    assert verdict.expected_fresh_samples > 700 and verdict.withheld_fraction == 0.0 and verdict.unmatched_fresh == 0


def test_a_reader_that_restamps_old_ticks_as_new_is_stale_served_as_fresh() -> None:
    sent = venue(BTC, 20)
    samples = faithful_reader(sent)
    old = sent[10]  # from 1 s in: replaced 100 ms later
    samples.append(Sample(BTC, 15 * S, True, "fresh", BUDGET, ts_ms=old.ts_ms, prices=old.prices))
    verdict = judge(sent, samples, [])
    assert verdict.stale_served_as_fresh == 1
    assert [v.rule for v in verdict.violations] == ["stale-served-as-fresh"]
    assert verdict.violations[0].stream == BTC


def test_a_feed_that_darkens_every_asset_on_one_sockets_close_withholds() -> None:
    btc_sent, eth_sent = venue(BTC, 30), venue(ETH, 30)
    only_btc = FaultWindow("close", "venue", 5 * S, 8 * S, frozenset({BTC}))
    plane_wide = FaultWindow("close", "venue", 5 * S, 8 * S)  # what a per-plane feed does: ETH goes dark too
    samples = faithful_reader(btc_sent, down=[only_btc]) + faithful_reader(eth_sent, down=[plane_wide])
    verdict = judge(btc_sent + eth_sent, samples, [only_btc])
    assert [v.rule for v in verdict.violations] == ["withheld"]
    assert verdict.withheld_fraction > 0.05
    honest = faithful_reader(btc_sent, down=[only_btc]) + faithful_reader(eth_sent)
    assert judge(btc_sent + eth_sent, honest, [only_btc]).passed


def test_a_stream_not_fresh_within_two_seconds_of_its_faults_end_is_a_slow_recovery() -> None:
    sent = venue(BTC, 30)
    fault = FaultWindow("close", "venue", 5 * S, 8 * S, frozenset({BTC}))
    slow = FaultWindow("close", "venue", 5 * S, 11 * S, frozenset({BTC}))  # dark 3 s longer than the venue was
    verdict = judge(sent, faithful_reader(sent, down=[slow]), [fault])
    assert "slow-recovery" in [v.rule for v in verdict.violations]  # (and withheld, once past the settle time)
    quick = judge(sent, faithful_reader(sent, down=[fault]), [fault])
    assert quick.passed and quick.recovery_s and max(quick.recovery_s) < 0.1


def test_a_quiet_stream_is_not_expected_fresh() -> None:
    sent = venue(BTC, 30, every_ms=5_000)  # a thin name: a price every 5 s, beyond the 1 s budget
    samples = [Sample(BTC, t * 100 * MS, False, "too-old", BUDGET, ts_ms=None, prices=None) for t in range(20, 280)]
    verdict = judge(sent, samples, [])
    assert verdict.expected_fresh_samples < len(samples) // 3


def test_recovery_counts_from_the_last_of_overlapping_faults_and_no_earlier() -> None:
    sent = venue(BTC, 30)
    stopped = FaultWindow("shard-stop", "venue", 5 * S, 8 * S, frozenset({BTC}))
    restarted = FaultWindow("member-restart", "venue", 7 * S, 12 * S)  # every stream, healing 4 s after the stop
    both = judge(sent, faithful_reader(sent, down=[stopped, restarted]), [stopped, restarted])
    assert both.passed, both.violations
    assert both.recovery_s and max(both.recovery_s) < 0.1, "judged from the restart's heal"
    late = FaultWindow("member-restart", "venue", 7 * S, 15 * S)  # dark 3 s past the restart's heal
    slow = judge(sent, faithful_reader(sent, down=[stopped, late]), [stopped, restarted])
    assert "slow-recovery" in [v.rule for v in slow.violations]


def test_a_fresh_price_the_venue_never_sent_is_caught_once_the_logs_cover_its_time() -> None:
    sent = venue(BTC, 20)  # event times 1,000-1,199 ms
    rules = Rules(log_margin_ms=50)
    samples = faithful_reader(sent)
    # A book that lost an update: a top made of the venue's levels, but never the venue's top at that time.
    samples.append(Sample(BTC, 15 * S, True, "fresh", BUDGET, ts_ms=sent[140].ts_ms, prices="239/242"))
    verdict = judge(sent, samples, [], rules)
    assert [v.rule for v in verdict.violations] == ["never-sent-as-fresh"] and verdict.never_sent == 1
    # A tick stamped before the recording could cover it may have been sent unrecorded: reported, not judged.
    early = Sample(BTC, 15 * S, True, "fresh", BUDGET, ts_ms=sent[0].ts_ms + 10, prices="99/100")
    quiet = judge(sent, [*faithful_reader(sent), early], [], rules)
    assert quiet.passed and quiet.unmatched_fresh == 1


def test_a_fault_that_strikes_before_a_stream_could_recover_takes_over_its_recovery() -> None:
    sent = venue(BTC, 30)
    silence = FaultWindow("channel-silence", "venue", 5 * S, 8 * S, frozenset({BTC}))
    stop = FaultWindow("shard-stop", "venue", 8 * S + 300 * MS, 12 * S, frozenset({BTC}))  # 0.3 s after the heal
    dark = FaultWindow("dark", "venue", 5 * S, 12 * S, frozenset({BTC}))  # the reader: dark through both
    verdict = judge(sent, faithful_reader(sent, down=[dark]), [silence, stop])
    assert verdict.passed, verdict.violations
    late = FaultWindow("dark", "venue", 5 * S, 15 * S, frozenset({BTC}))  # dark 3 s past the stop's heal
    assert "slow-recovery" in [
        v.rule for v in judge(sent, faithful_reader(sent, down=[late]), [silence, stop]).violations
    ]


def test_a_duplicate_is_explained_by_the_venues_own_repeat_and_nothing_else_is() -> None:
    sent = venue(BTC, 5)
    repeat = Sent(BTC, sent[20].ts_ms, sent[20].prices, sent[20].send_ns + 1 * MS)
    repeats = venue_repeats([*sent, repeat])
    assert repeats == {"venue": [repeat.send_ns]}
    seen_at = repeat.send_ns + 100 * MS
    rejections = [(seen_at, "venue", "duplicate", 1), (seen_at, "venue", "out-of-order", 1)]
    assert unexplained_rejections(rejections, [], repeats) == [(seen_at, "venue", "out-of-order", 1)]
    window = FaultWindow("socket-close", "venue", seen_at - S, seen_at)
    assert unexplained_rejections(rejections, [window], repeats) == []
    assert unexplained_rejections([(seen_at + 3 * S, "venue", "duplicate", 1)], [], repeats) != [], "too long after"
