"""Drift checks for the NautilusTrader 2.0 driver (src/violet/adapters/nt_binance/node_v2.py): each public 2.0 fact it
relies on, exercised; a failure names what moved. They run on a 2.0 install (`scripts/nt-compat 2.0.0rc6`, which puts
them in the private mount namespace where the simulator answers as `fstream.binance.com`); on 1.x they are skipped,
and test_nt_drift.py checks 1.x's private hooks instead.

What the driver relies on:
- `nautilus_trader.live.LiveNode.build(name, LiveNodeConfig(...), data_factories=...)`, `add_actor`, `run_async` on
  the caller's loop, `handle().stop()`, `dispose()`; one node per thread, another buildable once one is disposed of;
- `nautilus_trader.common.DataActor` with `subscribe_quotes` / `subscribe_trades` / `subscribe_socket_state` and
  `on_quote` / `on_trade` / `on_socket_state`; its `__new__` takes only a config;
- socket-state events for the endpoints `binance-futures-public-streams` and `binance-futures-market-streams`;
- quotes from `@bookTicker` on the public route and trades from `@aggTrade` on the market route (NT maps the
  routes for Binance's hosts only).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
import pytest

from tests.support.nt_release import feed_over_every_instrument
from tests.support.waiting import eventually
from violet.adapters.nt_binance import NtBinancePriceFeed
from violet.adapters.nt_binance.build import nt_major
from violet.adapters.nt_binance.node_v2 import ENDPOINTS
from violet.domain import FeedState, TickKind
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(nt_major() < 2, reason="NautilusTrader 2.0 facts (1.x: test_nt_drift.py)"),
]
SYMBOLS = 5


def test_the_public_surface_the_driver_uses() -> None:
    live = importlib.import_module("nautilus_trader.live")
    common = importlib.import_module("nautilus_trader.common")
    binance = importlib.import_module("nautilus_trader.adapters.binance")
    for name in ("build", "add_actor", "run_async", "handle", "dispose"):
        assert hasattr(live.LiveNode, name), f"LiveNode.{name}"
    for name in ("subscribe_quotes", "subscribe_trades", "subscribe_socket_state", "on_socket_state", "is_running"):
        assert hasattr(common.DataActor, name), f"DataActor.{name}"
    fields = inspect.signature(binance.BinanceDataClientConfig).parameters
    for name in ("product_type", "environment", "base_url_http", "base_url_ws", "api_key", "instrument_provider"):
        assert name in fields, f"BinanceDataClientConfig({name}=...)"
    node_fields = inspect.signature(live.LiveNodeConfig).parameters
    for name in ("trader_id", "timeout_connection_secs", "timeout_shutdown_secs", "data_clients"):
        assert name in node_fields, f"LiveNodeConfig({name}=...)"


async def test_a_disposed_node_lets_another_be_built() -> None:
    """One LiveNode per thread: the driver disposes of a stopped one so a reactor can enter its planes again. (Runs
    before the module's feed builds its own node.)"""
    live = importlib.import_module("nautilus_trader.live")
    for name in ("first", "second"):
        node: Any = live.LiveNode.build(f"drift-{name}", live.LiveNodeConfig())
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(node.run_async)
                await eventually(partial(getattr, node, "is_running"), f"the {name} node running", 20)
                node.handle().stop()
        node.dispose()
        del node


@pytest.fixture(scope="module")
async def venue() -> AsyncIterator[tuple[BinanceSimulator, NtBinancePriceFeed]]:
    async with BinanceSimulator(BinanceSimConfig(symbols=SYMBOLS, rate_hz=200)) as sim:
        feed = feed_over_every_instrument(sim)
        async with feed:
            yield sim, feed


async def test_routes_are_carriers_named_by_their_socket_state_endpoints(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    sim, feed = venue
    carriers = {c.carrier: c for c in feed._node.connections()} if feed._node is not None else {}
    assert set(carriers) == set(ENDPOINTS.values()), "a socket-state endpoint was renamed, or one is missing"
    paths = {c.path.split("?")[0]: c.topics for c in sim.connections.values()}
    assert all(t.endswith("@bookTicker") for t in paths["/public/ws"]), "quotes come from the public route"
    assert all(t.endswith("@aggTrade") for t in paths["/market/ws"]), "trades come from @aggTrade, the market route"
    assert {t for ts in paths.values() for t in ts} == {s for c in carriers.values() for s in c.streams}


async def test_a_route_closed_by_the_venue_is_one_carriers_outage_and_comes_back(
    venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    sim, feed = venue
    outages = feed.counters().carrier_outages
    market = next(c for c in sim.connections.values() if c.path.startswith("/market"))
    await sim.apply_fault(Fault.parse("close:1011"), market.id)
    await eventually(lambda: feed.counters().carrier_outages > outages, "the market route's outage counted", 20)
    await eventually(lambda: feed.state is FeedState.LIVE, "the route back", 20)
    asset = sim.instruments[0].canonical
    await eventually(lambda: feed.latest(asset, kind=TickKind.QUOTE).fresh, "quotes fresh", 20)
