"""Contract harness for the BingX adapter: its far side is the BingX swap wire simulator."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.lowlevel

from tests.contract.harness import BAD_QUOTES, Capabilities, Defect, SimulatorOutages, VenueUpdate
from tests.support.waiting import eventually
from violet.adapters.bingx import Backoff, BingxPriceFeed, BingxSettings
from violet.domain import FeedState, ManualClock, TickKind
from violet.protocols.bingx.symbols import to_canonical
from violet.sim.bingx import BingxSimConfig, BingxSimulator, frames
from violet.sim.engine.market import QuoteEvent, TradeEvent

WAIT_S = 20.0


class BingxHarness(SimulatorOutages):
    sim: BingxSimulator
    feed: BingxPriceFeed
    name = "bingx"
    capabilities = Capabilities(
        lossless_when_drained=False,
        invalid_seen_by_violet=frozenset(Defect),
        can_disconnect=True,
        kinds=frozenset({TickKind.QUOTE, TickKind.TRADE}),
        ts_resolution_ns=1_000_000,
        fence_timeout_s=10.0,
        outage_cost_s=1.2,
        carriers=2,  # four assets, three a socket
    )

    def __init__(self, sim: BingxSimulator, *, symbols: int = 4) -> None:
        self.sim = sim
        self.clock = ManualClock()
        insts = sim.instruments[:symbols]
        self.assets = tuple(i.canonical for i in insts)
        self._inst = {i.canonical: i for i in insts}
        self.feed = BingxPriceFeed(
            BingxSettings(
                assets=self.assets,
                base_url_http=sim.http_url,
                ws_url=f"{sim.ws_url}/swap-market",
                staleness_budget_ns=1_000_000_000,
                stall_after_s={"bookTicker": 3600.0, "trade": 3600.0},
                backoff=Backoff(0.01, 0.05, 0.0),
                # The contract's defects are injected as bookTicker frames; the book source is held to the same
                # properties by its own harness-free tests (order book fuzz, scripted peer, live simulator).
                quote_source="bookTicker",
            ),
            clock=self.clock,
        )
        self._ts_ms = time.time_ns() // 1_000_000
        self._ids = 0

    def price_decimals(self, asset: str) -> int:
        return self._inst[asset].price_decimals

    def _next(self) -> tuple[int, int]:
        # Strictly increasing (ticks are matched on it) and never behind the wall clock (adapters judge
        # freshness by the venue's timestamp too).
        self._ts_ms = max(self._ts_ms + 1, time.time_ns() // 1_000_000)
        self._ids += 1
        return self._ts_ms, self._ids

    async def publish(self, update: VenueUpdate) -> int:
        ts_ms, uid = self._next()
        inst = self._inst[update.asset]
        symbol = frames.venue_symbol(inst)
        if update.last is not None:
            ev = TradeEvent(
                inst=inst, price=update.last, qty="1", trade_id=uid, agg_id=uid, buyer_is_maker=True, ts_ms=ts_ms
            )
            topic = f"{symbol}@trade"
            self.sim.publish_raw(topic, frames.envelope(topic, frames.trades([ev], symbol)))
        else:
            assert update.bid is not None and update.ask is not None
            q = QuoteEvent(
                inst=inst, bid=update.bid, bid_qty="1", ask=update.ask, ask_qty="1", update_id=uid, ts_ms=ts_ms
            )
            topic = f"{symbol}@bookTicker"
            self.sim.publish_raw(topic, frames.envelope(topic, frames.book_ticker(q, symbol)))
        await anyio.lowlevel.checkpoint()
        return ts_ms * 1_000_000

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        ts_ms, uid = self._next()
        symbol = frames.venue_symbol(self._inst[asset])
        topic = f"{symbol}@bookTicker"
        if defect is Defect.ONE_SIDED:
            data = f'{{"e":"bookTicker","u":{uid},"E":{ts_ms},"T":{ts_ms},"s":"{symbol}","b":"1.00","B":"1"}}'
        else:
            bid, ask = BAD_QUOTES[defect]
            data = (
                f'{{"e":"bookTicker","u":{uid},"E":{ts_ms},"T":{ts_ms},"s":"{symbol}","b":"{bid}","B":"1",'
                f'"a":"{ask}","A":"1"}}'
            )
        self.sim.publish_raw(topic, frames.envelope(topic, data))
        await anyio.lowlevel.checkpoint()
        return ts_ms * 1_000_000

    async def ready(self) -> None:
        await eventually(lambda: self.feed.state is FeedState.LIVE, "feed live", WAIT_S)

    def stream_of(self, topic: str) -> tuple[str, TickKind] | None:
        symbol, _, channel = topic.partition("@")
        asset = to_canonical(symbol)
        if asset not in self._inst:
            return None
        return (asset, TickKind.TRADE if channel == "trade" else TickKind.QUOTE)


@asynccontextmanager
async def bingx_harness() -> AsyncIterator[BingxHarness]:
    async with BingxSimulator(BingxSimConfig(symbols=6, market=False, ping_interval_s=0.5)) as sim:
        harness = BingxHarness(sim)
        async with harness.feed:
            await harness.ready()
            yield harness
