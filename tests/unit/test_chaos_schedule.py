"""The chaos schedule: the same seed gives the same schedule; an hour holds hundreds of faults of every kind, some
overlapping, all healed inside the run."""

from __future__ import annotations

import itertools
from collections import Counter

from violet.chaos.run import stream_of_topic
from violet.chaos.schedule import FaultKind, plan


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    assert plan(7, 10) == plan(7, 10)
    assert plan(7, 10) != plan(8, 10)


def test_an_hour_holds_hundreds_of_faults_of_every_kind_some_overlapping() -> None:
    faults = plan(7, 60)
    assert len(faults) >= 300
    assert set(Counter(f.kind for f in faults)) == set(FaultKind)
    overlapping = sum(1 for a, b in itertools.pairwise(faults) if b.at_s < a.at_s + a.duration_s)
    assert overlapping > 10, "several faults at once, at times"
    assert all(f.at_s >= 20 and f.at_s + f.duration_s <= 60 * 60 - 15 for f in faults), "all heal inside the run"


def test_venue_topics_map_to_the_streams_the_oracle_judges() -> None:
    assert stream_of_topic("binance", "btcusdt@bookTicker") == ("alpha", "BTCUSDT-PERP", "quote")
    assert stream_of_topic("binance", "btcusdt@aggTrade") == ("alpha", "BTCUSDT-PERP", "trade")
    assert stream_of_topic("bingx", "BTC-USDT@incrDepth") == ("venue", "BTCUSDT-PERP", "quote")
    assert stream_of_topic("bingx", "BTC-USDT@trade") == ("venue", "BTCUSDT-PERP", "trade")
    assert stream_of_topic("binance", "btcusdt@markPrice") is None
