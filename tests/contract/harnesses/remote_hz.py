"""Contract harness for the Hazelcast-bridged adapter: Binance simulator -> NT inside a real `violet feed`
process -> a real Hazelcast member (started by the session fixture) -> the adapter under test."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import attrs

from tests.contract.harnesses.remote_shm import ASSETS, SHARDS, FeedProcessHarness, feed_shards
from tests.support.hz_cluster import HzCluster
from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.bridges.hz_publisher import map_name
from violet.config import BinanceConfig, BridgeConfig, FeedConfig, PlaneConfig, VioletConfig, dump_config
from violet.domain import Clock
from violet.sim.binance import BinanceSimConfig, BinanceSimulator


def hz_feed_config(
    sim: BinanceSimulator, prefix: str, assets: tuple[str, ...], cluster: HzCluster, *, shards: int = 1
) -> str:
    """A `violet feed` config: the simulator's Binance plane published into `cluster` under `prefix`."""
    return dump_config(
        VioletConfig(
            alpha=PlaneConfig(adapter="remote_hz", assets=list(assets)),
            venue=PlaneConfig(adapter="in_memory"),
            binance=BinanceConfig(http_url=sim.http_url, ws_url=sim.ws_url),
            bridge=BridgeConfig(
                shm_prefix=prefix, heartbeat_ms=50.0, hz_cluster=cluster.name, hz_members=list(cluster.members)
            ),
            feed=FeedConfig(health_interval_s=60.0, shards=shards),
        )
    )


def hz_reader(
    prefix: str,
    assets: tuple[str, ...],
    cluster: HzCluster,
    *,
    heartbeat_timeout_ns: int,
    budget_ns: int = 1_000_000_000,
    clock: Clock | None = None,
    shards: tuple[tuple[str, ...], ...] = (),
) -> RemoteHzPriceFeed:
    return RemoteHzPriceFeed(
        RemoteHzSettings(
            map_name=map_name(prefix, "alpha"),
            venue="binance",
            assets=assets,
            cluster_name=cluster.name,
            members=cluster.members,
            staleness_budget_ns=budget_ns,
            heartbeat_timeout_ns=heartbeat_timeout_ns,
            shards=shards,
        ),
        clock=clock,
    )


class RemoteHzHarness(FeedProcessHarness):
    name = "remote_hz"
    # A value crosses the network twice more (publish, then the listener's event): more time to see a fence.
    capabilities = attrs.evolve(FeedProcessHarness.capabilities, fence_timeout_s=20.0)

    def __init__(self, sim: BinanceSimulator, prefix: str, cluster: HzCluster) -> None:
        super().__init__(sim)
        self.feed = hz_reader(
            prefix, self.assets, cluster, heartbeat_timeout_ns=400_000_000, clock=self.clock, shards=self.slices
        )


@asynccontextmanager
async def remote_hz_harness(cluster: HzCluster) -> AsyncIterator[RemoteHzHarness]:
    prefix = f"ct{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=ASSETS, market=False)) as sim:
        harness = RemoteHzHarness(sim, prefix, cluster)
        with tempfile.TemporaryDirectory(prefix=f"violet-{prefix}-") as tmp:
            config = hz_feed_config(sim, prefix, harness.assets, cluster, shards=SHARDS)
            async with feed_shards(config, Path(tmp), SHARDS) as harness.shards, harness.feed:
                await harness.ready()
                yield harness
