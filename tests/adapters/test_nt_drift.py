"""Behavioural drift checks: every private NautilusTrader attribute or handler violet relies on, exercised
against the Binance simulator. A failure names what moved; run them for any release with `scripts/nt-compat`.

What violet relies on (src/violet/adapters/nt_binance/node.py, batching.py):
- the data client's `_ws_client` (market route) and, from 1.222 on, `_ws_public_client` (public route);
- on each `BinanceWebSocketClient`: `_clients` (pyo3 connections with `is_active/is_reconnecting/...`),
  `_client_streams`, `_handle_reconnect(client_id)` (called by a connection after it reconnected), `_handler`
  (every frame, acks included, read at connect), `_send(client_id, msg)` and `_create_subscribe_msg(streams)`;
- the module-level name `WebSocketConfig` in `nautilus_trader.adapters.binance.websocket.client`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.nt_release import feed_over_every_instrument
from tests.support.waiting import eventually
from violet.adapters.nt_binance import NtBinancePriceFeed
from violet.adapters.nt_binance.build import nt_major
from violet.adapters.nt_binance.node import RECONNECT_DELAY_INITIAL_MS, RECONNECT_DELAY_MAX_MS, NtBinanceNode
from violet.domain import FeedState
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(nt_major() >= 2, reason="1.231's private hooks (2.0: test_nt2_drift.py)"),
]
SYMBOLS = 50


@pytest.fixture(scope="module")
async def venue() -> AsyncIterator[tuple[BinanceSimulator, NtBinancePriceFeed]]:
    async with BinanceSimulator(BinanceSimConfig(symbols=SYMBOLS, rate_hz=200)) as sim:
        feed = feed_over_every_instrument(sim)
        async with feed:
            await eventually(lambda: feed.state is FeedState.LIVE and not feed.unconfirmed_assets(), "all acked")
            yield sim, feed


def _v1_node(feed: NtBinancePriceFeed) -> NtBinanceNode:
    node = feed._node
    assert isinstance(node, NtBinanceNode), "these checks are the 1.231 driver's"
    return node


def _node_ws_clients(feed: NtBinancePriceFeed) -> list[Any]:
    return _v1_node(feed)._ws_clients()


async def test_quotes_ride_the_public_client_and_trades_the_market_client(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    _, feed = venue
    market, *rest = _node_ws_clients(feed)
    assert rest, "the Binance data client has no `_ws_public_client` any more (or it is `_ws_client` itself)"
    public = rest[0]
    public_streams = set(getattr(public, "subscriptions", []))
    market_streams = set(getattr(market, "subscriptions", []))
    assert "btcusdt@bookTicker" in public_streams, f"bookTicker is no longer on `_ws_public_client`: {public_streams}"
    assert "btcusdt@aggTrade" in market_streams, (
        f"futures trades are no longer `@aggTrade` on `_ws_client`: {sorted(market_streams)[:4]}"
    )


async def test_subscriptions_leave_in_a_few_batched_frames_and_are_all_acked(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    sim, feed = venue
    streams = 2 * SYMBOLS
    frames = sim.control_requests["SUBSCRIBE"]
    assert 0 < frames <= 6, (
        f"{frames} SUBSCRIBE frames for {streams} streams: `BinanceWebSocketClient._send` no longer carries "
        "NT's subscriptions, or `_create_subscribe_msg` moved"
    )
    assert feed.unconfirmed_assets() == [], "the venue's acks no longer reach violet (`_handler` read at connect?)"


@pytest.mark.parametrize("stream", ["btcusdt@bookTicker", "btcusdt@aggTrade"], ids=["public", "market"])
async def test_a_reconnect_of_either_socket_reaches_violets_hook(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed], stream: str
) -> None:
    sim, feed = venue
    before = feed.counters()
    (conn,) = sim.topic_index[stream]
    others = {c.id for c in sim.connections.values()} - {conn.id}
    assert await sim.apply_fault(Fault.parse("close:1001"), conn.id) == 1
    await eventually(
        lambda: feed.counters().carrier_outages == before.carrier_outages + 1,
        f"an outage of one carrier counted after closing {stream}'s socket",
    )
    await eventually(lambda: feed.state is FeedState.LIVE and not feed.unconfirmed_assets(), "live and resubscribed")
    after = feed.counters()
    assert after.carrier_outages == before.carrier_outages + 1, "one closed socket is one outage"
    assert after.reconnects == before.reconnects, "not an outage of the whole plane"
    assert others <= set(sim.connections), "only the closed socket reconnected"
    assert stream in sim.topic_index, "NT resubscribed the closed socket's streams"


async def test_violets_connections_are_built_with_violets_backoff_and_no_other_clients_are(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    from nautilus_trader.adapters.binance.websocket import client as binance_ws

    from violet.adapters.nt_binance.node import VIOLET_CONFIGS, connecting_for_violet

    _, feed = venue
    assert feed._node is not None
    make_config = getattr(binance_ws, "WebSocketConfig", None)
    assert getattr(make_config, "violet", False), "the Binance client no longer builds its config from this name"
    assert make_config is not None
    # NT built each of violet's connections' configs through the wrapped name, inside violet's connect scope: the
    # URLs it connected to are among those the wrapper gave violet's backoff (else NT stopped reading the name, or
    # no longer builds the config in `_connect_client`).
    assert {c.carrier.split()[0] for c in feed._node.connections()} == {"public", "market"}
    built = list(VIOLET_CONFIGS)
    assert any("/public/stream?streams=" in u for u in built), built
    assert any("/market/stream?streams=" in u for u in built), built
    # Anything else in the process that builds a config (another NT client) gets NautilusTrader's own.
    theirs = make_config(url="ws://127.0.0.1:1/stream", headers=[], heartbeat=60)
    assert theirs.reconnect_delay_initial_ms != RECONNECT_DELAY_INITIAL_MS
    with connecting_for_violet():
        mine = make_config(url="ws://127.0.0.1:1/stream", headers=[], heartbeat=60)
    assert mine.reconnect_delay_initial_ms == RECONNECT_DELAY_INITIAL_MS
    assert mine.reconnect_delay_max_ms == RECONNECT_DELAY_MAX_MS


async def test_nts_cache_keeps_no_history_of_ticks(venue: tuple[BinanceSimulator, NtBinancePriceFeed]) -> None:
    from nautilus_trader.model.identifiers import InstrumentId

    from violet.adapters.nt_binance.node import CACHE_TICK_CAPACITY

    _, feed = venue
    node = _v1_node(feed)
    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    cache = node._node.kernel.cache
    received = feed.counters().received
    await eventually(lambda: feed.counters().received > received + 400, "a few hundred more ticks through NT")
    assert cache.quote_tick_count(iid) >= 1, "NT's cache no longer holds quotes (or moved): the check means nothing"
    assert cache.quote_tick_count(iid) <= CACHE_TICK_CAPACITY, "CacheConfig.tick_capacity no longer bounds quotes"
    assert cache.trade_tick_count(iid) <= CACHE_TICK_CAPACITY, "CacheConfig.tick_capacity no longer bounds trades"
