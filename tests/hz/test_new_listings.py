"""A feed shard that adds an asset while running (a new listing) over a real member: its heartbeat names the asset,
and a running reader adds it to the plane carried by that shard."""

from __future__ import annotations

import secrets

import anyio
import anyio.to_thread
import pytest

from tests.contract.harnesses.remote_hz import hz_reader
from tests.support.bridge_quotes import write_quote
from tests.support.hz_cluster import HzCluster
from tests.support.waiting import eventually
from violet.bridges import hz_client
from violet.bridges.hz_publisher import HzPublisher, map_name
from violet.domain import Freshness, TickKind

pytestmark = pytest.mark.anyio
BTC, ETH, SOL = "BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"


async def test_an_asset_a_shard_adds_while_running_reaches_the_reader_through_its_heartbeat(
    hz_cluster: HzCluster,
) -> None:
    prefix = f"nl{secrets.token_hex(3)}"
    client = await anyio.to_thread.run_sync(
        lambda: hz_client.connect(cluster=hz_cluster.name, members=hz_cluster.members)
    )
    name = map_name(prefix, "alpha")
    shards = [HzPublisher(client, name, [BTC], shard=0, shards=2), HzPublisher(client, name, [ETH], shard=1, shards=2)]
    reader = hz_reader(prefix, (BTC, ETH), hz_cluster, heartbeat_timeout_ns=500_000_000, shards=((BTC,), (ETH,)))
    beating = [True, True]

    async def feed() -> None:
        n = 0
        while True:
            n += 1
            for i, shard in enumerate(shards):
                if beating[i]:
                    for asset in sorted(shard.assets):
                        write_quote(shard, asset, n)
                    shard.heartbeat()
            await anyio.sleep(0.05)

    def verdict(asset: str) -> Freshness | None:
        return reader.latest(asset, kind=TickKind.QUOTE).freshness if asset in reader.assets() else None

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(feed)
            async with reader:
                await eventually(lambda: verdict(BTC) is verdict(ETH) is Freshness.FRESH, "both shards fresh", 30)
                assert SOL not in reader.assets()
                assert shards[0].add_assets([SOL, BTC]) == [SOL], "only what is new"
                await eventually(lambda: verdict(SOL) is Freshness.FRESH, "SOL named by shard 0's beat, fresh", 10)
                assert reader.counters().rejected == 0
                beating[0] = False  # shard 0 falls silent: SOL goes down with BTC, shard 1's asset stays fresh
                await eventually(lambda: verdict(SOL) is Freshness.FEED_DOWN, "SOL down with its shard", 10)
                assert verdict(BTC) is Freshness.FEED_DOWN and verdict(ETH) is Freshness.FRESH
            tg.cancel_scope.cancel()
    finally:
        await anyio.to_thread.run_sync(client.shutdown)
