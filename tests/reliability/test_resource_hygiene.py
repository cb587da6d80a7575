"""Resource hygiene: after an adapter stops, nothing it started is left (tasks, threads, sockets, shared memory),
and a burst of 100k frames at a consumer that is not reading keeps memory bounded (conflation, counted).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import psutil
import pytest

from tests.support.bridge_quotes import write_quote
from tests.support.hz_cluster import HzCluster
from tests.support.sims import apply_fault, sim_process
from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, SyntheticMarket
from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.hz_publisher import HzPublisher
from violet.bridges.shm_table import ShmTableWriter
from violet.bridges.shm_wake import WakeSocket, wake_base, wake_dir
from violet.ports import VenuePriceFeedPort

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
PROCESS_WIDE_THREADS = ("_run_safe_shutdown_loop",)
"""Threads a library starts once per process and keeps by design, whichever test happens to start them: pycares'
channel-destroying thread (aiohttp resolves through aiodns when it is installed, as cryptofeed's dependency is)."""


def sockets() -> set[int]:
    """Inodes of this process's open sockets."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(int(target[8:-1]))
    return out


class Resources:
    def __init__(self) -> None:
        self.tasks = set(asyncio.all_tasks())
        self.threads = {t.ident for t in threading.enumerate()}
        self.sockets = sockets()
        self.shm = set(os.listdir("/dev/shm"))
        self.wake_dirs = {p.name for p in wake_base().glob("violet-*-wake")}

    async def assert_released(self) -> None:
        # Library threads (aiohttp's resolver, Hazelcast's reactor) end shortly after their owner closes.
        with anyio.move_on_after(5):
            while self._leftovers():
                await anyio.sleep(0.05)
        assert self._leftovers() == {}

    def _leftovers(self) -> dict[str, object]:
        now = Resources()
        leftovers: dict[str, object] = {
            "tasks": [t.get_name() for t in now.tasks - self.tasks if not t.done()],
            "threads": [
                t.name
                for t in threading.enumerate()
                if t.ident not in self.threads and not any(p in t.name for p in PROCESS_WIDE_THREADS)
            ],
            "sockets": sorted(now.sockets - self.sockets),
            "shm": sorted(now.shm - self.shm),
            "wake dirs": sorted(now.wake_dirs - self.wake_dirs),
        }
        return {k: v for k, v in leftovers.items() if v}


@asynccontextmanager
async def bingx_source() -> AsyncIterator[VenuePriceFeedPort]:
    async with sim_process("bingx") as info:
        yield BingxPriceFeed(
            BingxSettings(assets=ASSETS, base_url_http=info["http"], ws_url=f"{info['ws']}/swap-market")
        )


@asynccontextmanager
async def remote_shm_source() -> AsyncIterator[VenuePriceFeedPort]:
    bridge = f"hy{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, ASSETS)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_write_forever, writer)
            yield RemoteShmPriceFeed(RemoteShmSettings(bridge=bridge, venue="binance", assets=ASSETS))
            tg.cancel_scope.cancel()
    finally:
        writer.close()


async def _write_forever(writer: ShmTableWriter | HzPublisher) -> None:
    n = 0
    while True:
        n += 1
        for asset in ASSETS:
            write_quote(writer, asset, n)
        writer.heartbeat()
        writer.wake()
        await anyio.sleep(0.01)


@asynccontextmanager
async def in_memory_source() -> AsyncIterator[VenuePriceFeedPort]:
    venue = InMemoryVenue(ASSETS)
    market = SyntheticMarket(venue, rate_hz=200, seed=1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(market.run)
        yield InMemoryPriceFeed(venue, name="binance")
        tg.cancel_scope.cancel()


SOURCES: dict[str, Callable[[], object]] = {
    "in_memory": in_memory_source,
    "bingx": bingx_source,
    "remote_shm": remote_shm_source,
}


async def _exercise(feed: VenuePriceFeedPort) -> None:
    async with feed, feed.subscribe(ASSETS) as stream:
        got = 0
        with anyio.fail_after(30):
            async for _ in stream:
                got += 1
                if got >= 20:
                    break


@pytest.mark.parametrize("name", list(SOURCES))
async def test_nothing_is_left_after_an_adapter_stops(name: str) -> None:
    async with SOURCES[name]() as feed:  # type: ignore[attr-defined]
        before = Resources()
        await _exercise(feed)
        await before.assert_released()


async def test_nothing_is_left_after_the_hazelcast_adapter_stops(hz_cluster: HzCluster) -> None:
    from hazelcast.client import HazelcastClient

    name = f"violet-hy{secrets.token_hex(3)}-alpha"
    client = await anyio.to_thread.run_sync(
        lambda: HazelcastClient(cluster_name=hz_cluster.name, cluster_members=list(hz_cluster.members))
    )
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_write_forever, HzPublisher(client, name, ASSETS))
            before = Resources()
            feed = RemoteHzPriceFeed(
                RemoteHzSettings(
                    map_name=name,
                    venue="binance",
                    assets=ASSETS,
                    cluster_name=hz_cluster.name,
                    members=hz_cluster.members,
                )
            )
            await _exercise(feed)
            await before.assert_released()
            tg.cancel_scope.cancel()
    finally:
        await anyio.to_thread.run_sync(client.shutdown)


async def test_a_burst_of_100k_frames_at_a_consumer_not_reading_keeps_memory_bounded() -> None:
    me = psutil.Process()
    async with sim_process("bingx", rate=2) as info:
        settings = BingxSettings(assets=ASSETS, base_url_http=info["http"], ws_url=f"{info['ws']}/swap-market")
        async with BingxPriceFeed(settings) as feed, feed.subscribe(ASSETS) as stream:
            with anyio.fail_after(30):
                while not all(feed.latest(a).fresh for a in ASSETS):
                    await anyio.sleep(0.01)
            rss_before = me.memory_info().rss
            before = feed.counters()
            await apply_fault(info, "burst:100000")
            # Wait until the burst is through: back to the background rate (a few frames a second). Frames that
            # reach us later than the budget by their venue timestamp (the burst shares one) are refused as late.
            last, quiet = -1, 0
            with anyio.fail_after(180):
                while (c := feed.counters()).received + c.rejected - before.received - before.rejected < 1000:
                    await anyio.sleep(0.05)  # the burst has begun arriving (the simulator gzips 100k frames first)
                while quiet < 2:
                    await anyio.sleep(0.5)
                    c = feed.counters()
                    now = c.received + c.rejected
                    quiet = quiet + 1 if now - last <= 10 else 0
                    last = now
            after = feed.counters()
            grown = me.memory_info().rss - rss_before
            handled = (after.received - before.received) + (after.rejected - before.rejected)
            pending = []
            with anyio.move_on_after(0.01):
                pending.extend([tick async for tick in stream])
            assert handled >= 50_000, "the burst's quotes and trades reached the adapter"
            assert len(pending) <= 2 * len(ASSETS), "one pending tick per (asset, kind) lane, never a queue"
            assert after.conflated - before.conflated >= (after.received - before.received) - 2 * len(ASSETS)
            assert after.dropped == 0
            assert grown < 32 * 2**20, f"RSS grew {grown / 2**20:.1f} MiB over a 100k-frame burst"


def test_wake_up_sockets_of_dead_readers_are_removed_and_the_last_reader_removes_the_directory() -> None:
    import subprocess
    import sys

    bridge = f"wk{secrets.token_hex(3)}"
    # A reader process killed before it could clean up leaves its socket behind.
    code = (
        "import os, signal; from violet.bridges.shm_wake import WakeSocket; "
        f"w = WakeSocket({bridge!r}); print(w.path, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == -9
    stale = Path(out.stdout.strip())
    assert stale.exists(), "the killed reader's socket is left behind (what this test is about)"
    assert (wake_base().stat().st_mode & 0o777) == 0o700 or "XDG_RUNTIME_DIR" in os.environ
    assert (wake_dir(bridge).stat().st_mode & 0o777) == 0o700
    first = WakeSocket(bridge)
    assert not stale.exists(), "the next reader removes a dead reader's socket"
    second = WakeSocket(bridge)
    first.close()
    assert second.path.parent.exists(), "a reader is still there"
    second.close()
    assert not second.path.parent.exists(), "the last reader removes the directory"
