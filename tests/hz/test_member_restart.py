"""A Hazelcast member restart under a running feed process and reader: stale meanwhile, fresh again after,
with no restart of violet's side."""

from __future__ import annotations

import secrets
from pathlib import Path

import anyio
import pytest

from tests.contract.harnesses.remote_hz import hz_feed_config, hz_reader
from tests.contract.harnesses.remote_shm import feed_process
from tests.support.hz_cluster import HzCluster
from tests.support.waiting import eventually
from violet.sim.binance import BinanceSimConfig, BinanceSimulator

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


async def test_member_restart_goes_stale_then_fresh_without_restarting_violet(
    hz_cluster: HzCluster, tmp_path: Path
) -> None:
    if hz_cluster.pid is None:
        pytest.skip("VIOLET_HZ_MEMBERS points at an external cluster: this test restarts only a member it owns")
    prefix = f"rs{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        reader = hz_reader(prefix, ASSETS, hz_cluster, heartbeat_timeout_ns=500_000_000, budget_ns=1_000_000_000)
        async with feed_process(hz_feed_config(sim, prefix, ASSETS, hz_cluster), tmp_path), reader:
            await eventually(lambda: reader.latest("BTCUSDT-PERP").fresh, timeout_s=60)
            await anyio.to_thread.run_sync(hz_cluster.stop_member)
            await eventually(lambda: not reader.latest("BTCUSDT-PERP").fresh, timeout_s=5)
            assert reader.state.value == "reconnecting"
            await anyio.to_thread.run_sync(hz_cluster.start_member)
            await eventually(
                lambda: reader.latest("BTCUSDT-PERP").fresh and reader.latest("ETHUSDT-PERP").fresh, timeout_s=90
            )
            assert reader.counters().reconnects >= 1
