"""The chaos schedule: the same seed gives the same schedule; an hour holds hundreds of faults of every kind, some
overlapping, all healed inside the run."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from violet.chaos.run import stream_of_topic
from violet.chaos.schedule import SKEW_MS, FaultKind, plan, skew_ms
from violet.sim.engine.faults import Fault, FaultSpecError


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    assert plan(7, 10) == plan(7, 10)
    assert plan(7, 10) != plan(8, 10)


def test_an_hour_holds_hundreds_of_faults_of_every_kind_some_overlapping() -> None:
    faults = plan(7, 60)
    assert len(faults) >= 300
    assert set(Counter(f.kind for f in faults)) == set(FaultKind) - {FaultKind.MEMBER_RESTART}
    hz = plan(7, 60, bridge="hz")
    assert set(Counter(f.kind for f in hz)) == set(FaultKind), "the member restarts only with its bridge"
    overlapping = sum(1 for a, b in itertools.pairwise(faults) if b.at_s < a.at_s + a.duration_s)
    assert overlapping > 10, "several faults at once, at times"
    assert all(f.at_s >= 20 and f.at_s + f.duration_s <= 60 * 60 - 15 for f in faults), "all heal inside the run"


def test_venue_topics_map_to_the_streams_the_oracle_judges() -> None:
    assert stream_of_topic("binance", "btcusdt@bookTicker") == ("alpha", "BTCUSDT-PERP", "quote")
    assert stream_of_topic("binance", "btcusdt@aggTrade") == ("alpha", "BTCUSDT-PERP", "trade")
    assert stream_of_topic("bingx", "BTC-USDT@incrDepth") == ("venue", "BTCUSDT-PERP", "quote")
    assert stream_of_topic("bingx", "BTC-USDT@trade") == ("venue", "BTCUSDT-PERP", "trade")
    assert stream_of_topic("binance", "btcusdt@markPrice") is None


def test_faults_land_on_the_venues_that_have_them() -> None:
    faults = plan(7, 60, bridge="hz")
    alpha_only = {FaultKind.SHARD_KILL, FaultKind.SHARD_STOP, FaultKind.MEMBER_RESTART}
    assert {f.venue for f in faults if f.kind in alpha_only} == {"binance"}
    assert {f.venue for f in faults if f.kind is FaultKind.REFUSED_RESUBSCRIBE} == {"bingx"}
    assert {f.venue for f in faults if f.kind is FaultKind.CLOCK_SKEW} == {"binance", "bingx"}


def test_a_skew_is_a_few_hundred_milliseconds_either_way() -> None:
    skews = [skew_ms(pick) for pick in range(1 << 12)]
    assert all(SKEW_MS[0] <= abs(s) <= SKEW_MS[1] for s in skews)
    assert min(skews) < 0 < max(skews)


def test_the_simulators_parse_the_chaos_faults() -> None:
    skew = Fault.parse("skew:-300:2.5")
    assert (skew.code, skew.delay_ms) == (-300, 2500)
    pause = Fault.parse("pause:ETH-USDT:4")
    assert (pause.channel, pause.delay_ms) == ("ETH-USDT", 4000)
    for bad in ("skew:300", "skew:300:0", "pause:ETH-USDT", "pause::3", "pause:ETH-USDT:0"):
        with pytest.raises(FaultSpecError):
            Fault.parse(bad)
