"""The reactor host's side of the multi-host test: a remote_hz adapter reporting what it serves, as JSON lines.

python -m tests.multihost.reactor_probe CLUSTER MEMBER MAP ASSET[,ASSET...] [SHARDS]
(SHARDS feed processes publish the map, the assets dealt out among them in order.)
"""

from __future__ import annotations

import sys
import time

import anyio
import msgspec

from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.config.shards import deal


async def main(cluster: str, member: str, map_name: str, assets: tuple[str, ...], shards: int) -> None:
    feed = RemoteHzPriceFeed(
        RemoteHzSettings(
            map_name=map_name,
            venue="binance",
            assets=assets,
            cluster_name=cluster,
            members=(member,),
            staleness_budget_ns=1_000_000_000,
            heartbeat_timeout_ns=500_000_000,
            connect_timeout_s=120.0,
            shards=deal(assets, shards),
        )
    )
    async with feed:
        while True:
            now = time.time_ns()
            readings = {}
            for asset in assets:
                r = feed.latest(asset)
                readings[asset] = {
                    "fresh": r.fresh,
                    "freshness": r.freshness.value,
                    "ts_event": None if r.tick is None else r.tick.ts_event,
                }
            line = {"wall": now, "state": feed.state.value, "reconnects": feed.counters().reconnects, "r": readings}
            sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
            sys.stdout.flush()
            await anyio.sleep(0.05)


if __name__ == "__main__":
    c, m, name, a = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    anyio.run(main, c, m, name, tuple(a.split(",")), n, backend="asyncio")
