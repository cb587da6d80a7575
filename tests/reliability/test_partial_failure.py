"""Failure is judged per connection, at the size a user runs: 50 assets per plane on the simulators' live profile,
the adapters on their defaults but for budgets raised to 30 s, so liveness alone decides, not a quiet name's age (the
live profile's thin names go quiet for up to 21 s, PROTOCOL.md's observation).

One BingX socket closed (1011) and kept from reconnecting for two seconds: every asset on the other sockets reads
FRESH at every look meanwhile, the plane says DEGRADED (never RECONNECTING), and the closed socket's own assets are
fresh again within 1 s of it being back. NautilusTrader's `/market` socket closed the same way: every quote (carried
on `/public`) stays FRESH, only trades go down. (A feed shard killed: tests/adapters/test_feed_process.py and the
contract's partial-fault property.)
"""

from __future__ import annotations

import time

import anyio
import pytest

from tests.support.waiting import eventually
from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.domain import FeedState, Freshness, TickKind
from violet.ports import VenuePriceFeedPort
from violet.protocols.bingx.symbols import to_canonical
from violet.secrets import Secret
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.faults import Fault

pytestmark = pytest.mark.anyio
SYMBOLS = 50
BUDGET_NS = 30_000_000_000
HOLD_S = 2.0
"""How long the closed socket is kept from reconnecting (the fault's length, not a wait for an outcome)."""


Stream = tuple[str, TickKind]


async def hold_down_while_watching(
    sim: BingxSimulator | BinanceSimulator,
    conn_id: int,
    feed: VenuePriceFeedPort,
    healthy: list[Stream],
    dark: list[Stream],
) -> tuple[list[str], set[FeedState], set[Stream]]:
    """Close one connection, keep the venue from accepting for HOLD_S, and look at every stream meanwhile: every
    healthy verdict that was not FRESH ('asset kind verdict'), the plane states seen, and which of the `dark` streams
    (the closed connection's) read FEED_DOWN."""
    withheld: list[str] = []
    states: set[FeedState] = set()
    seen_down: set[Stream] = set()
    sim.accepting = False
    await sim.apply_fault(Fault.parse("close:1011"), conn_id)
    await eventually(lambda: feed.state is FeedState.DEGRADED, "the plane degraded", 10)
    end = time.monotonic() + HOLD_S
    while time.monotonic() < end:
        states.add(feed.state)
        for asset, kind in healthy:
            verdict = feed.latest(asset, kind=kind).freshness
            if verdict is not Freshness.FRESH:
                withheld.append(f"{asset} {kind.value} {verdict.value}")
        seen_down.update(s for s in dark if feed.latest(s[0], kind=s[1]).freshness is Freshness.FEED_DOWN)
        await anyio.sleep(0.01)
    sim.accepting = True
    return withheld, states, seen_down


async def test_one_bingx_socket_down_leaves_every_other_asset_fresh_and_its_own_come_back_within_a_second() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=SYMBOLS, profile="live", rate_hz=2000)) as sim:
        assets = tuple(i.canonical for i in sim.instruments)
        settings = BingxSettings(
            assets=assets,
            base_url_http=sim.http_url,
            ws_url=f"{sim.ws_url}/swap-market",
            staleness_budget_ns=BUDGET_NS,
        )
        async with BingxPriceFeed(settings) as feed:
            quote = TickKind.QUOTE
            await eventually(lambda: all(feed.latest(a, kind=quote).fresh for a in assets), "every quote fresh", 30)
            victim = min(sim.connections.values(), key=lambda c: c.id)
            own = sorted({to_canonical(t.partition("@")[0]) for t in victim.topics})
            assert 0 < len(own) < len(assets)
            healthy = [(a, quote) for a in assets if a not in own]
            dark = [(a, quote) for a in own]
            withheld, states, seen_down = await hold_down_while_watching(sim, victim.id, feed, healthy, dark)
            assert seen_down == set(dark), "the closed socket's own quotes read FEED_DOWN"
            assert withheld == [], f"healthy sockets' prices withheld: {withheld[:5]}"
            assert states == {FeedState.DEGRADED}, "the plane says how much works, never that it is all down"
            assert feed.counters().reconnects == 0 and feed.counters().carrier_outages == 1
            await eventually(lambda: feed.state is FeedState.LIVE, "the socket back", 30)
            back = time.monotonic()
            await eventually(lambda: all(feed.latest(a, kind=quote).fresh for a in own), "its own assets fresh", 10)
            assert time.monotonic() - back < 1.0, "its own assets fresh within 1 s of the socket being back"


async def test_the_market_route_down_leaves_every_quote_fresh_and_only_trades_go_down() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=SYMBOLS, profile="live", rate_hz=2000)) as sim:
        assets = tuple(i.canonical for i in sim.instruments)
        settings = NtBinanceSettings(
            assets=assets,
            base_url_http=sim.http_url,
            base_url_ws=sim.ws_url,
            api_key=Secret("placeholder-key"),
            api_secret=Secret("placeholder-secret"),
            staleness_budget_ns=BUDGET_NS,
        )
        async with NtBinancePriceFeed(settings) as feed:
            quote, trade = TickKind.QUOTE, TickKind.TRADE
            await eventually(lambda: all(feed.latest(a, kind=quote).fresh for a in assets), "every quote fresh", 30)
            await eventually(lambda: any(feed.latest(a, kind=trade).fresh for a in assets), "trades flowing", 30)
            (market,) = [c for c in sim.connections.values() if any(t.endswith("@aggTrade") for t in c.topics)]
            quotes = [(a, quote) for a in assets]
            traded = [(a, trade) for a in assets if feed.latest(a, kind=trade).tick is not None]
            withheld, states, seen_down = await hold_down_while_watching(sim, market.id, feed, quotes, traded)
            assert withheld == [], f"quotes withheld while only /market was down: {withheld[:5]}"
            assert states == {FeedState.DEGRADED}
            assert seen_down == set(traded), "every trade read FEED_DOWN while its route was"
            await eventually(lambda: feed.state is FeedState.LIVE, "the route back", 30)
            assert feed.counters().reconnects == 0 and feed.counters().carrier_outages >= 1
