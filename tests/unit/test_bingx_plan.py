"""How the BingX plane deals its topics out to sockets within the venue's limits (200 topics a socket, 60 sockets
an IP) and paces its subscriptions per socket or per IP."""

from __future__ import annotations

import pytest

from violet.adapters.bingx import BingxSettings
from violet.adapters.bingx.contracts import SwapContract
from violet.adapters.bingx.quote_source import QuoteSource
from violet.adapters.bingx.shard import TooManyTopics, plan_shards


def _contracts(n: int) -> dict[str, SwapContract]:
    return {
        f"C{i:04d}USDT-PERP": SwapContract(
            asset=f"C{i:04d}USDT-PERP", symbol=f"C{i:04d}-USDT", price_precision=2, online=True
        )
        for i in range(n)
    }


def _plan(n: int, **kw: object) -> list[list[str]]:
    settings = BingxSettings(assets=tuple(_contracts(n)), **kw)  # type: ignore[arg-type]
    return [s.topics for s in plan_shards(settings, _contracts(n), QuoteSource("bookTicker"))]


@pytest.mark.parametrize(
    ("assets", "per_socket", "sockets", "largest"),
    [
        (50, 6, 17, 6),  # the default: small shards, subscribed in parallel
        (180, 6, 60, 6),  # exactly at the limit
        (600, 6, 60, 20),  # the whole market: shards grow instead of sockets
        (601, 6, 55, 22),  # whole assets only: 11 a shard (a shard never splits an asset), so 55 sockets
        (6000, 6, 60, 200),
        (40, 200, 1, 80),
    ],
)
def test_shards_stay_within_60_sockets_and_200_topics(assets: int, per_socket: int, sockets: int, largest: int) -> None:
    shards = _plan(assets, topics_per_socket=per_socket)
    assert len(shards) == sockets
    assert max(len(t) for t in shards) == largest
    assert sum(len(t) for t in shards) == 2 * assets
    assert all(len(t) % 2 == 0 for t in shards)


def test_a_lower_socket_budget_makes_larger_shards() -> None:
    shards = _plan(100, topics_per_socket=6, max_sockets=10)
    assert len(shards) == 10
    assert {len(t) for t in shards} == {20}


def test_a_plane_no_60_sockets_can_hold_is_refused_before_any_socket_opens() -> None:
    with pytest.raises(TooManyTopics, match="6001 assets need 12002 topics, more than 60 sockets of 200 topics"):
        _plan(6001)


def test_per_ip_pacing_shares_one_window_and_per_socket_pacing_does_not() -> None:
    contracts = _contracts(30)
    for scope, shared in (("ip", True), ("socket", False)):
        settings = BingxSettings(assets=tuple(contracts), subscribe_scope=scope)  # type: ignore[arg-type]
        windows = {id(s.window) for s in plan_shards(settings, contracts, QuoteSource("bookTicker"))}
        assert (len(windows) == 1) is shared
