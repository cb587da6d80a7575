"""The latency bench's delivery verdict: only sends inside the window are judged; a send is delivered, conflated
(replaced by a newer one of its lane the consumer got, and counted so by the adapter) or dropped."""

from __future__ import annotations

from typing import Any

from violet.bench.latency import sweep_summary
from violet.bench.records import Record, delivery


def send(symbol: str, n: int, t: int) -> list[Any]:
    return [symbol, "quote", n, f"{n}.0/{n}.5", t]


def got(s: list[Any], at: int) -> Record:
    return (s[0], s[1], s[2], s[3]), at


def test_every_window_send_is_delivered_conflated_or_dropped() -> None:
    sends = [send("BTC", 1, 10), send("BTC", 2, 20), send("BTC", 3, 30), send("ETH", 1, 15), send("ETH", 2, 99)]
    window = [s for s in sends if 10 <= s[4] <= 40]  # ETH 2 was sent after the window: not judged
    records = [got(sends[0], 11), got(sends[2], 45), got(sends[4], 100)]  # BTC 3 arrived after the window closed
    fate = delivery(records, sends, window, conflated_counted=5)
    assert fate.sent == 4
    assert fate.delivered == 2  # BTC 1, and BTC 3 although it arrived after the window
    assert fate.conflated == 2  # BTC 2 (BTC 3 replaced it), ETH 1 (ETH 2, after the window, replaced it)
    assert fate.dropped == 0


def test_a_miss_the_adapter_did_not_count_is_a_drop() -> None:
    sends = [send("BTC", 1, 10), send("BTC", 2, 20), send("BTC", 3, 30)]
    records = [got(sends[2], 31)]
    assert delivery(records, sends, sends, conflated_counted=1).dropped == 1, "two replaced, one counted"
    assert delivery(records, sends, sends, conflated_counted=0).dropped == 2, "a raw client conflates nothing"
    last_lost = delivery([got(sends[0], 11)], sends, sends, conflated_counted=9)
    assert last_lost.dropped == 2, "nothing newer of its lane arrived: lost, whatever the counter says"


def _report(rate: float, dropped: int, behind: bool = False) -> dict[str, Any]:
    run = {"dropped": dropped, "conflated": 0, "sim_behind": behind}
    return {
        "params": {"rate": rate},
        "runs": {"s": [run]},
        "summary": {"s": {"p50_us": 1.0, "p99_us": 2.0}},
    }


def test_the_sweep_names_the_highest_clean_rate_or_who_fell_behind() -> None:
    best = sweep_summary([_report(5000, 0), _report(10000, 0), _report(20000, 3)])["highest_zero_drop_rate"]
    assert best == {"s": 10000}
    best = sweep_summary([_report(5000, 0), _report(10000, 2), _report(20000, 0)])["highest_zero_drop_rate"]
    assert best == {"s": 5000}, "a pass above a failure is not capacity"
    best = sweep_summary([_report(5000, 4), _report(10000, 9)])["highest_zero_drop_rate"]
    assert best == {"s": "none up to 10000 msgs/s (the client dropped 4 at 5000)"}
    best = sweep_summary([_report(5000, 0, behind=True)])["highest_zero_drop_rate"]
    assert best == {"s": "none up to 5000 msgs/s (the simulator fell behind at 5000)"}


def test_an_exact_repeat_is_no_news_not_a_drop() -> None:
    first, repeat, later = send("BTC", 1, 10), send("BTC", 1, 11), send("BTC", 2, 20)
    # The first was conflated in the bridge, its repeat refused as a duplicate upstream (never conflated there).
    fate = delivery([got(later, 21)], [first, repeat, later], [first, repeat, later], conflated_counted=1)
    assert (fate.delivered, fate.conflated, fate.repeats, fate.dropped) == (1, 1, 1, 0)
