"""Contract harness for the NT Binance adapter: its far side is the Binance USD-M wire simulator.

NautilusTrader's own Binance data client connects to the simulator with placeholder keys (the simulator
refuses them on signed endpoints, as Binance does); updates are pushed as real `bookTicker` / `trade` frames.
Over 50 symbols: the adapter subscribes all of them, examples draw from all of them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from tests.contract.harness import BAD_QUOTES, Capabilities, Defect, SimulatorOutages, VenueUpdate
from tests.support.nt_release import binance_ws_url, confirms_by_first_tick
from tests.support.waiting import eventually
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.domain import FeedState, ManualClock, TickKind
from violet.secrets import Secret
from violet.sim.binance import BinanceSimConfig, BinanceSimulator, frames
from violet.sim.engine.market import QuoteEvent, TradeEvent

SYMBOLS = 50
WAIT_S = 30.0


class NtBinanceHarness(SimulatorOutages):
    sim: BinanceSimulator
    feed: NtBinancePriceFeed
    name = "nt_binance"
    capabilities = Capabilities(
        lossless_when_drained=False,
        invalid_seen_by_violet=frozenset({Defect.CROSSED, Defect.ZERO, Defect.NEGATIVE}),
        can_disconnect=True,
        kinds=frozenset({TickKind.QUOTE, TickKind.TRADE}),
        ts_resolution_ns=1_000_000,
        order_across_kinds=False,
        fence_timeout_s=15.0,
        outage_cost_s=2.5,
        carriers=2,  # NautilusTrader's public route (bookTicker) and market route (aggTrade)
    )

    def __init__(self, sim: BinanceSimulator) -> None:
        self.sim = sim
        self.clock = ManualClock()
        self.assets = tuple(i.canonical for i in sim.instruments)
        self._bases = {i.canonical: i.base for i in sim.instruments}
        self._decimals = {i.canonical: i.price_decimals for i in sim.instruments}
        self.feed = NtBinancePriceFeed(
            NtBinanceSettings(
                assets=self.assets,
                base_url_http=sim.http_url,
                base_url_ws=binance_ws_url(sim.ws_url),
                api_key=Secret("placeholder-key"),
                api_secret=Secret("placeholder-secret"),
                staleness_budget_ns=1_000_000_000,
                stall_after_ns=3600 * 10**9,
            ),
            clock=self.clock,
        )
        self._ts_ms = time.time_ns() // 1_000_000
        self._ids = 1_000

    def price_decimals(self, asset: str) -> int:
        return self._decimals[asset]

    def _next(self) -> tuple[int, int]:
        # Strictly increasing (ticks are matched on it) and never behind the wall clock (adapters judge
        # freshness by the venue's timestamp too).
        self._ts_ms = max(self._ts_ms + 1, time.time_ns() // 1_000_000)
        self._ids += 1
        return self._ts_ms, self._ids

    def _push(self, update: VenueUpdate) -> int:
        ts_ms, uid = self._next()
        inst = self.sim.market.instrument(self._bases[update.asset])
        symbol = f"{inst.base}USDT"
        if update.last is not None:
            ev = TradeEvent(
                inst=inst,
                price=update.last,
                qty="1",
                trade_id=uid,
                agg_id=uid,
                buyer_is_maker=False,
                ts_ms=ts_ms,
            )
            # NT 1.231 takes futures trades from @aggTrade (1.221 from @trade): publish on both, one is subscribed.
            self.sim.publish_raw(f"{symbol.lower()}@aggTrade", frames.agg_trade(ev, symbol))
            self.sim.publish_raw(f"{symbol.lower()}@trade", frames.trade(ev, symbol))
        else:
            assert update.bid is not None and update.ask is not None
            q = QuoteEvent(
                inst=inst,
                bid=update.bid,
                bid_qty="1",
                ask=update.ask,
                ask_qty="1",
                update_id=uid,
                ts_ms=ts_ms,
            )
            self.sim.publish_raw(f"{symbol.lower()}@bookTicker", frames.book_ticker(q, symbol))
        return ts_ms * 1_000_000

    async def publish(self, update: VenueUpdate) -> int:
        ts = self._push(update)
        await anyio.lowlevel.checkpoint()
        return ts

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        ts_ms, uid = self._next()
        symbol = f"{self._bases[asset]}USDT"
        if defect is Defect.ONE_SIDED:
            payload = f'{{"e":"bookTicker","u":{uid},"s":"{symbol}","b":"1.00","B":"1","T":{ts_ms},"E":{ts_ms}}}'
        else:
            bid, ask = BAD_QUOTES[defect]
            payload = (
                f'{{"e":"bookTicker","u":{uid},"s":"{symbol}","b":"{bid}","B":"1","a":"{ask}","A":"1",'
                f'"T":{ts_ms},"E":{ts_ms}}}'
            )
        self.sim.publish_raw(f"{symbol.lower()}@bookTicker", payload)
        await anyio.lowlevel.checkpoint()
        return ts_ms * 1_000_000

    def _topics(self) -> dict[str, tuple[str, str]]:
        return {f"{self._bases[a].lower()}usdt@{c}": (a, c) for a in self.assets for c in ("bookTicker", "aggTrade")}

    async def ready(self) -> None:
        if confirms_by_first_tick():
            # 2.0 confirms a stream by its next tick, which the tests send themselves (a tick here would make the
            # outage property's prices fresh before it looks): the venue holding every subscription again is the
            # far side's own evidence that NautilusTrader resubscribed.
            topics = set(self._topics())
            await eventually(
                lambda: self.feed.state is FeedState.LIVE and topics <= set(self.sim.topic_index),
                "NT resubscribed every stream",
                WAIT_S,
            )
            return
        await eventually(
            lambda: self.feed.state is FeedState.LIVE and not self.feed.unconfirmed_assets(), "NT subscribed", WAIT_S
        )

    async def first_ticks(self) -> None:
        """NautilusTrader 2.0 confirms a stream only by a tick (entering the feed waits for that): as the venue comes
        to hold each subscription, it sends that stream one update (the test's own publications come after, with
        later event times)."""
        pending = self._topics()
        with anyio.fail_after(WAIT_S):
            while pending:
                for topic in [t for t in pending if t in self.sim.topic_index]:
                    asset, channel = pending.pop(topic)
                    one = f"{1:.{self._decimals[asset]}f}"
                    two = f"{2:.{self._decimals[asset]}f}"
                    self._push(
                        VenueUpdate(asset=asset, bid=one, ask=two)
                        if channel == "bookTicker"
                        else VenueUpdate(asset=asset, last=one)
                    )
                await anyio.sleep(0.01)

    def stream_of(self, topic: str) -> tuple[str, TickKind] | None:
        symbol, _, channel = topic.partition("@")
        asset = f"{symbol.upper()}-PERP"
        if asset not in self._bases:
            return None
        if channel == "bookTicker":
            return (asset, TickKind.QUOTE)
        return (asset, TickKind.TRADE) if channel in ("aggTrade", "trade") else None


@asynccontextmanager
async def nt_binance_harness() -> AsyncIterator[NtBinanceHarness]:
    async with BinanceSimulator(BinanceSimConfig(symbols=SYMBOLS, market=False)) as sim:
        harness = NtBinanceHarness(sim)
        async with anyio.create_task_group() as tg:
            if confirms_by_first_tick():
                tg.start_soon(harness.first_ticks)
            async with harness.feed:
                await harness.ready()
                yield harness
