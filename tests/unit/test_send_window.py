"""The BingX socket's request pacing, by its arithmetic (no sockets), and one shared window on a real loop."""

from __future__ import annotations

import math

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from violet.adapters.bingx.send_window import SendWindow


def test_a_window_with_room_sends_at_once_and_a_full_one_waits_for_its_oldest_request_to_age_out() -> None:
    window = SendWindow(8.0, guard_s=0.25)
    for i in range(8):
        assert window.wait_s(10.0 + i / 100) == 0.0
        window.count(10.0 + i / 100)
    assert window.wait_s(10.5) == pytest.approx(0.75)
    assert window.wait_s(11.25) == 0.0
    window.count(11.25)
    assert window.wait_s(11.25) == pytest.approx(0.01)  # the second oldest, sent at 10.01, is now the oldest


def test_a_rate_below_one_a_second_spaces_single_requests() -> None:
    window = SendWindow(0.5, guard_s=0.0)
    window.count(0.0)
    assert window.wait_s(0.5) == pytest.approx(1.5)


@given(
    per_s=st.floats(min_value=0.2, max_value=50.0),
    guard_s=st.sampled_from([0.0, 0.25]),
    gaps=st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=1, max_size=120),
)
def test_requests_sent_when_the_window_allows_never_exceed_the_rate_in_any_second(
    per_s: float, guard_s: float, gaps: list[float]
) -> None:
    window = SendWindow(per_s, guard_s)
    now, sent = 0.0, []
    for gap in gaps:
        now += gap
        now += window.wait_s(now)
        window.count(now)
        sent.append(now)
    # The venue's rule, not the window's own formula: in any one second at most `per_s` requests (a whole number of
    # them); below one a second, one request per 1 / per_s seconds.
    span = max(1.0, 1.0 / per_s)
    most = max(1, math.floor(per_s * span + 1e-9))
    for i, t in enumerate(sent):
        inside = [u for u in sent[i:] if u < t + span - 1e-9]
        assert len(inside) <= most, (per_s, t, inside)


def test_one_and_a_half_a_second_is_one_request_in_any_second() -> None:
    window = SendWindow(1.5, guard_s=0.0)
    window.count(0.0)
    assert window.wait_s(0.0) == pytest.approx(1.0), "a second request 0.67 s later would be two in one second"


@pytest.mark.anyio
async def test_sockets_sharing_one_window_take_turns_and_never_exceed_its_rate_together() -> None:
    """Per-IP pacing: five sockets acquire at once from a window of two a second. Each acquirer is counted before
    the next looks for room, so no two windows' worth go out together (before the lock, all five saw the empty
    window's room and went at once). Only a lower bound on spacing is asserted: a loaded machine makes it later."""
    window = SendWindow(2.0, guard_s=0.0)
    sent: list[float] = []

    async def socket() -> None:
        await window.acquire()
        sent.append(anyio.current_time())

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(socket)
    sent.sort()
    assert len(sent) == 5
    assert all(later - earlier >= 1.0 - 1e-3 for earlier, later in zip(sent, sent[2:], strict=False))


@given(
    per_s=st.floats(min_value=0.2, max_value=50.0),
    guard_s=st.sampled_from([0.0, 0.25]),
    requests=st.integers(min_value=1, max_value=300),
)
def test_span_for_is_what_back_to_back_requests_through_the_window_take(
    per_s: float, guard_s: float, requests: int
) -> None:
    """The bench's BingX floor: the first to the last of `requests` sent as soon as the window allows."""
    window = SendWindow(per_s, guard_s)
    now = first = 100.0
    for _ in range(requests):
        now += window.wait_s(now)
        window.count(now)
    assert SendWindow(per_s, guard_s).span_for(requests) == pytest.approx(now - first)
