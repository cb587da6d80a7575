"""Loss of one member of a two-member cluster (SIGKILL, no graceful leave) under a running feed and reader:
the map's backups take over, the client moves to the survivor, and the reader serves fresh prices again
without any restart on violet's side; nothing stale is ever served as fresh."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from tests.contract.harnesses.remote_hz import hz_feed_config, hz_reader
from tests.contract.harnesses.remote_shm import feed_process
from tests.support.hz_cluster import SCRIPT, HzCluster, free_port, start_member
from violet.sim.binance import BinanceSimConfig, BinanceSimulator

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
BUDGET_NS = 1_000_000_000


@pytest.fixture(scope="module")
def hz_pair() -> Iterator[tuple[HzCluster, list[str]]]:
    if os.environ.get("VIOLET_HZ_MEMBERS"):
        pytest.skip("VIOLET_HZ_MEMBERS points at an external cluster: this test kills only members it owns")
    cluster = f"violet-pair-{os.getpid()}"
    ports = [free_port(), free_port()]
    members = ",".join(f"127.0.0.1:{p}" for p in ports)
    pids = [start_member(p, cluster, members) for p in ports]
    try:
        yield HzCluster(cluster, tuple(f"127.0.0.1:{p}" for p in ports)), pids
    finally:
        for pid in pids:
            subprocess.run([str(SCRIPT), "stop", pid], timeout=60, check=False)


def _cluster_size(cluster: HzCluster) -> int:
    from hazelcast.client import HazelcastClient

    client = HazelcastClient(cluster_name=cluster.name, cluster_members=list(cluster.members))
    try:
        return len(client.cluster_service.get_members())
    finally:
        client.shutdown()


async def test_losing_one_member_of_two_keeps_prices_flowing_without_a_restart(
    hz_pair: tuple[HzCluster, list[str]], tmp_path: Path
) -> None:
    cluster, pids = hz_pair
    with anyio.fail_after(60):
        while await anyio.to_thread.run_sync(_cluster_size, cluster) < 2:
            await anyio.sleep(0.5)
    prefix = f"ml{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        reader = hz_reader(prefix, ASSETS, cluster, heartbeat_timeout_ns=500_000_000, budget_ns=BUDGET_NS)
        served_fresh_ages: list[int] = []
        async with feed_process(hz_feed_config(sim, prefix, ASSETS, cluster), tmp_path), reader:
            with anyio.fail_after(60):
                while not all(reader.latest(a).fresh for a in ASSETS):
                    await anyio.sleep(0.02)
            os.kill(int(pids[0]), signal.SIGKILL)
            killed_wall = time.time_ns()
            received_at_kill = reader.counters().received
            resumed = False
            with anyio.fail_after(60):
                while not resumed:
                    await anyio.sleep(0.02)
                    now = time.time_ns()
                    readings = [reader.latest(a) for a in ASSETS]
                    for r in readings:
                        if r.fresh:
                            assert r.tick is not None
                            served_fresh_ages.append(now - r.tick.ts_event)
                    resumed = all(r.fresh and r.tick is not None and r.tick.ts_event > killed_wall for r in readings)
            assert reader.counters().received > received_at_kill, "ticks published after the loss arrived"
            assert reader.state.value == "live"
        assert served_fresh_ages, "the reader was sampled while it served prices"
        # Venue time vs wall time on one host; the simulator stamps E when it sends. violet ages a tick from the
        # feed's receive (docs/reactor.md), so the venue -> feed transit is outside the budget: ~0.1 s through this
        # pipeline on a loaded 2-core machine (NautilusTrader's loop reads the socket late; one CI run served a price
        # 1.085 s after E with a 50 ms allowance). A price kept through the failover (the failure this guards
        # against) would be seconds old, far past the budget plus this transit.
        transit_allowance_ns = 250_000_000
        assert max(served_fresh_ages) < BUDGET_NS + transit_allowance_ns
