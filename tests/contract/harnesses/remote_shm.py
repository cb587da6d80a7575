"""Contract harness for the remote shared-memory adapter.

Far side: the Binance simulator, read by NautilusTrader inside real `violet feed` processes (two shards, each with a
slice of the assets) that write the shared-memory tables; the adapter under test reads them in this process. Updates
are published as venue frames into the simulator, so they cross NT, a feed process and the bridge. A shard is a
carrier: the partial-fault property SIGKILLs one and starts it again.
"""

from __future__ import annotations

import secrets
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc

from tests.contract.harness import Capabilities, Defect, VenueUpdate
from tests.contract.harnesses.nt_binance import NtBinanceHarness
from tests.support.waiting import eventually
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.app.processes import stop_process
from violet.config import (
    BinanceConfig,
    BridgeConfig,
    FeedConfig,
    PlaneConfig,
    VioletConfig,
    dump_config,
)
from violet.config.shards import deal
from violet.delivery import streams_of
from violet.domain import Clock, FeedState, ManualClock, TickKind
from violet.ports import VenuePriceFeedPort
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

ASSETS = 6
SHARDS = 2


class FeedShards:
    """The `violet feed --shard I` processes of one config: started together, one killed and started again."""

    def __init__(self, config_text: str, tmp: Path, shards: int) -> None:
        self.path = tmp / "feed.toml"
        self.path.write_text(config_text)
        self.procs: list[anyio.abc.Process | None] = [None] * shards

    async def start(self, shard: int) -> None:
        cmd = [sys.executable, "-m", "violet", "feed", "--config", str(self.path), "--shard", str(shard)]
        self.procs[shard] = await anyio.open_process(cmd, stderr=None)

    async def kill(self, shard: int) -> None:
        proc = self.procs[shard]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            self.procs[shard] = None

    async def aclose(self) -> None:
        for proc in self.procs:
            if proc is not None:
                await stop_process(proc)


@asynccontextmanager
async def feed_shards(config_text: str, tmp: Path, shards: int) -> AsyncIterator[FeedShards]:
    running = FeedShards(config_text, tmp, shards)
    try:
        for shard in range(shards):
            await running.start(shard)
        yield running
    finally:
        with anyio.CancelScope(shield=True):
            await running.aclose()


class FeedProcessHarness:
    """Far side: the Binance simulator, read by NautilusTrader inside real `violet feed` processes (SHARDS of them);
    updates are published as venue frames, so they cross NT, a feed process and the bridge. Subclasses set `feed`
    and `shards` (the running processes)."""

    name: str
    capabilities = Capabilities(
        lossless_when_drained=False,
        invalid_seen_by_violet=frozenset(),  # validated (and counted) by the feed process, upstream of the bridge
        can_disconnect=True,
        kinds=frozenset({TickKind.QUOTE, TickKind.TRADE}),
        ts_resolution_ns=1_000_000,
        order_across_kinds=False,  # NautilusTrader in the feed reads quotes and trades on two sockets
        fence_timeout_s=15.0,
        outage_cost_s=3.0,
        carriers=SHARDS,
        transit_is_age=True,
    )
    feed: VenuePriceFeedPort
    shards: FeedShards

    def __init__(self, sim: BinanceSimulator) -> None:
        self.sim = sim
        self.clock = ManualClock()
        self.frames = NtBinanceHarness(sim)  # only its frame building is used: the far side's wire format
        self.assets = tuple(i.canonical for i in sim.instruments[:ASSETS])
        self.slices = deal(self.assets, SHARDS)

    def price_decimals(self, asset: str) -> int:
        return self.frames.price_decimals(asset)

    async def publish(self, update: VenueUpdate) -> int:
        return await self.frames.publish(update)

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        return await self.frames.publish_invalid(asset, defect)

    def _subscribed(self) -> bool:
        """Every asset's quotes and trades subscribed at the venue (NT 1.231 takes trades from @aggTrade)."""
        topics = self.sim.topic_index
        lows = [a.removesuffix("-PERP").lower() for a in self.assets]
        return all(
            f"{low}@bookTicker" in topics and (f"{low}@aggTrade" in topics or f"{low}@trade" in topics) for low in lows
        )

    async def ready(self) -> None:
        await eventually(lambda: self.feed.state is FeedState.LIVE and self._subscribed(), "feed live", 60)

    async def disconnect(self) -> None:
        self.sim.accepting = False
        await self.sim.apply_fault(Fault.parse("close:1001"))
        # Every feed shard loses its venue and stops beating: the reader's plane is down once each shard is.
        await eventually(lambda: self.feed.state is FeedState.RECONNECTING, "reader stale", 30)

    async def reconnect(self) -> None:
        self.sim.accepting = True
        await self.ready()

    async def break_carrier(self, index: int) -> frozenset[tuple[str, TickKind]]:
        shard = index % SHARDS
        await self.shards.kill(shard)  # SIGKILL: no goodbye to the bridge, only its heartbeat stops
        await eventually(lambda: self.feed.state is FeedState.DEGRADED, "the reader degraded", 30)
        return frozenset(streams_of(self.slices[shard]))

    async def heal_carriers(self) -> None:
        for shard, proc in enumerate(self.shards.procs):
            if proc is None:
                await self.shards.start(shard)
        await self.ready()


def shm_reader(
    prefix: str,
    assets: tuple[str, ...],
    *,
    budget_ns: int = 1_000_000_000,
    heartbeat_timeout_ns: int = 300_000_000,
    clock: Clock | None = None,
    shards: tuple[tuple[str, ...], ...] = (),
) -> RemoteShmPriceFeed:
    """The reader of the alpha plane a `violet feed` with `feed_config(sim, prefix, ...)` publishes (`shards`: the
    slices of a sharded feed)."""
    return RemoteShmPriceFeed(
        RemoteShmSettings(
            bridge=f"{prefix}-alpha",
            venue="binance",
            assets=assets,
            staleness_budget_ns=budget_ns,
            heartbeat_timeout_ns=heartbeat_timeout_ns,
            shards=shards,
        ),
        clock=clock,
    )


class RemoteShmHarness(FeedProcessHarness):
    name = "remote_shm"

    def __init__(self, sim: BinanceSimulator, bridge_prefix: str) -> None:
        super().__init__(sim)
        self.feed = shm_reader(bridge_prefix, self.assets, clock=self.clock, shards=self.slices)


def feed_config(sim: BinanceSimulator, prefix: str, assets: tuple[str, ...], *, shards: int = 1) -> str:
    cfg = VioletConfig(
        alpha=PlaneConfig(adapter="remote_shm", assets=list(assets)),
        venue=PlaneConfig(adapter="in_memory"),
        binance=BinanceConfig(http_url=sim.http_url, ws_url=sim.ws_url),
        bridge=BridgeConfig(shm_prefix=prefix, heartbeat_ms=50.0),
        feed=FeedConfig(health_interval_s=60.0, shards=shards),
    )
    return dump_config(cfg)


@asynccontextmanager
async def feed_process(config_text: str, tmp: Path, *, shard: int = 0) -> AsyncIterator[anyio.abc.Process]:
    path = tmp / f"feed-{shard}.toml"
    path.write_text(config_text)
    cmd = [sys.executable, "-m", "violet", "feed", "--config", str(path), "--shard", str(shard)]
    proc = await anyio.open_process(cmd, stderr=None)
    try:
        yield proc
    finally:
        await stop_process(proc)


@asynccontextmanager
async def remote_shm_harness() -> AsyncIterator[RemoteShmHarness]:
    prefix = f"ct{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=ASSETS, market=False)) as sim:
        harness = RemoteShmHarness(sim, prefix)
        with tempfile.TemporaryDirectory(prefix=f"violet-{prefix}-") as tmp:
            config = feed_config(sim, prefix, harness.assets, shards=SHARDS)
            async with feed_shards(config, Path(tmp), SHARDS) as harness.shards, harness.feed:
                await harness.ready()
                yield harness
