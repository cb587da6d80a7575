"""Multi-host run on one machine: the Hazelcast member, the venue, two feed hosts (one shard of the alpha plane
each) and a reactor each live in their own network namespace, joined by a switch. Shard 0's venue path goes through
a delaying TCP proxy.

Asserted from the reactor's side: fresh and delayed (never older than its budget) in steady state; everything stale
during a partition of the reactor; during a partition of one feed host, its shard's asset stale and the other
shard's fresh throughout; fresh again after each heals, with nothing restarted. Outside CI it skips where namespaces
are unavailable; under CI=true it must run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import msgspec
import pytest
from anyio.streams.text import TextReceiveStream

from tests.multihost.netns import Lan, netns_unavailable
from violet.app.processes import stop_process
from violet.bridges.hz_publisher import map_name
from violet.config import BinanceConfig, BridgeConfig, FeedConfig, PlaneConfig, VioletConfig, dump_config

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
SHARD_ASSET = {"feed": "BTCUSDT-PERP", "feed2": "ETHUSDT-PERP"}
"""Two shards deal the assets out in order: shard 0 (host `feed`) BTC, shard 1 (host `feed2`) ETH."""
BUDGET_NS = 1_000_000_000
SKEW_NS = 250_000_000
"""The adapter's default venue-clock allowance: fresh means within the budget since receipt and within
budget + allowance by the venue's timestamp (here the member replays what it queued during a partition)."""
DELAY_MS = 80
PROXY_PORT = 18080
HZ_PORT = 5701


@pytest.fixture
def lan() -> Iterator[Lan]:
    why = netns_unavailable()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the multi-host run must run in CI, but network namespaces are unavailable: {why}")
        pytest.skip(f"network namespaces unavailable: {why}")
    tag = f"vt{os.getpid() % 100000}"
    net = 1 + os.getpid() % 250
    lan = Lan(tag, net)
    try:
        lan.up("hz", "venue", "feed", "feed2", "reactor")
        yield lan
    finally:
        lan.down()


class Lines:
    """JSON lines from a process's stdout, kept as they arrive."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    async def collect(self, proc: anyio.abc.Process) -> None:
        assert proc.stdout is not None
        buf = ""
        async for text in TextReceiveStream(proc.stdout):
            buf += text
            *lines, buf = buf.split("\n")
            self.items.extend(msgspec.json.decode(line) for line in lines if line.startswith("{"))


@asynccontextmanager
async def process(cmd: list[str]) -> AsyncIterator[anyio.abc.Process]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await anyio.open_process(cmd, cwd=ROOT, env=env, stderr=None)
    try:
        yield proc
    finally:
        await stop_process(proc)


async def first_line(proc: anyio.abc.Process, timeout_s: float = 60) -> str:
    assert proc.stdout is not None
    with anyio.fail_after(timeout_s):
        buf = b""
        while b"\n" not in buf:
            buf += await proc.stdout.receive()
    return buf.split(b"\n", 1)[0].decode()


def freshness_window(lines: Lines, since_wall: int) -> list[dict[str, Any]]:
    return [line for line in lines.items if line["wall"] >= since_wall]


def all_fresh(line: dict[str, Any]) -> bool:
    return all(r["fresh"] for r in line["r"].values())


def fresh_ages(lines: list[dict[str, Any]], *, asset: str | None = None) -> list[int]:
    return [
        line["wall"] - r["ts_event"]
        for line in lines
        for name, r in line["r"].items()
        if r["fresh"] and asset in (None, name)
    ]


async def wait_for(lines: Lines, predicate: Any, timeout_s: float, since_wall: int = 0) -> int:
    """Wall time of the first line after `since_wall` that satisfies `predicate`."""
    with anyio.fail_after(timeout_s):
        while True:
            for line in freshness_window(lines, since_wall):
                if predicate(line):
                    return int(line["wall"])
            await anyio.sleep(0.05)


async def test_reactor_feed_and_member_on_separate_hosts(lan: Lan, tmp_path: Path) -> None:
    cluster = f"violet-mh-{os.getpid()}"
    hz_ip, venue_ip = lan.address("hz"), lan.address("venue")
    member_cmd = [*lan.exec_prefix("hz"), "env", f"VIOLET_HZ_INTERFACE={hz_ip}", str(ROOT / "scripts/hazelcast-member")]
    out = await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            [*member_cmd, "start", str(HZ_PORT), cluster, hz_ip],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=180,
            check=False,
        )
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    member_pid = out.stdout.split()[0].decode()
    try:
        sim_cmd = [*lan.exec_prefix("venue"), sys.executable, "-m", "violet", "sim", "binance"]
        sim_args = ["--host", venue_ip, "--allow-remote", "--symbols", "2", "--rate", "100"]
        async with process([*sim_cmd, *sim_args]) as sim:
            info = msgspec.json.decode(await first_line(sim))
            ws_port = int(info["ws"].rsplit(":", 1)[1].split("/")[0])
            proxy_cmd = [*lan.exec_prefix("feed"), sys.executable, "-m", "tests.multihost.delay_proxy"]
            proxy_args = ["127.0.0.1", str(PROXY_PORT), venue_ip, str(ws_port), str(DELAY_MS)]
            async with process([*proxy_cmd, *proxy_args]) as proxy:
                assert await first_line(proxy) == "ready"
                prefix = f"mh{os.getpid() % 100000}"
                cfg = VioletConfig(
                    alpha=PlaneConfig(adapter="remote_hz", assets=list(ASSETS)),
                    venue=PlaneConfig(adapter="in_memory"),
                    binance=BinanceConfig(http_url=info["http"], ws_url=f"ws://127.0.0.1:{PROXY_PORT}"),
                    bridge=BridgeConfig(
                        shm_prefix=prefix, heartbeat_ms=50.0, hz_cluster=cluster, hz_members=[f"{hz_ip}:{HZ_PORT}"]
                    ),
                    feed=FeedConfig(health_interval_s=60.0, shards=2),
                )
                (tmp_path / "feed.toml").write_text(dump_config(cfg))
                # The second feed host reaches the venue directly (the proxy lives in the first host's namespace).
                direct = msgspec.structs.replace(cfg, binance=msgspec.structs.replace(cfg.binance, ws_url=info["ws"]))
                (tmp_path / "feed2.toml").write_text(dump_config(direct))
                probe_cmd = [*lan.exec_prefix("reactor"), sys.executable, "-m", "tests.multihost.reactor_probe"]
                probe_args = [cluster, f"{hz_ip}:{HZ_PORT}", map_name(prefix, "alpha"), ",".join(ASSETS), "2"]
                lines = Lines()
                async with (
                    process(_feed(lan, "feed", tmp_path / "feed.toml", shard=0)),
                    process(_feed(lan, "feed2", tmp_path / "feed2.toml", shard=1)),
                    process([*probe_cmd, *probe_args]) as probe,
                    anyio.create_task_group() as tg,
                ):
                    tg.start_soon(lines.collect, probe)
                    await _scenario(lan, lines)
                    tg.cancel_scope.cancel()
    finally:
        stop = [str(ROOT / "scripts/hazelcast-member"), "stop", member_pid]
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(lambda: subprocess.run(stop, timeout=60, check=False))


def _feed(lan: Lan, host: str, config: Path, *, shard: int) -> list[str]:
    return [
        *lan.exec_prefix(host),
        sys.executable,
        "-m",
        "violet",
        "feed",
        "--config",
        str(config),
        "--shard",
        str(shard),
    ]


async def _scenario(lan: Lan, lines: Lines) -> None:
    # Steady state across hosts: fresh, and the proxy's delay shows in the age of shard 0's prices.
    steady_from = await wait_for(lines, all_fresh, 120)
    await anyio.sleep(2)
    window = freshness_window(lines, steady_from)
    ages = fresh_ages(window)
    assert ages, "the reactor served fresh prices"
    delayed = fresh_ages(window, asset=SHARD_ASSET["feed"])
    assert statistics.median(delayed) >= DELAY_MS * 1_000_000, "the venue -> feed delay is visible to the reactor"
    assert max(ages) < BUDGET_NS + SKEW_NS, "fresh means younger than the budget"

    for cut in ("reactor", "feed2", "feed"):
        # A cut feed host takes only its shard's asset down; a cut reactor loses everything.
        lost = set(ASSETS) if cut == "reactor" else {SHARD_ASSET[cut]}
        kept = set(ASSETS) - lost
        cut_at = time.time_ns()
        lan.partition(cut)
        stale_at = await wait_for(
            lines, lambda line, lost=lost: not any(line["r"][a]["fresh"] for a in lost), 10, cut_at
        )
        assert stale_at - cut_at < BUDGET_NS + 700_000_000, f"{cut} partition: stale within budget + heartbeat"
        await anyio.sleep(3)
        during = freshness_window(lines, stale_at)
        assert not any(line["r"][a]["fresh"] for line in during for a in lost), f"nothing of {cut} fresh while cut"
        assert all(line["r"][a]["fresh"] for line in during for a in kept), f"the other shard stays fresh ({cut})"
        serving = ("live", "degraded")  # one shard's host cut off: degraded, the other shard's assets served
        assert all(line["state"] in serving for line in during) or cut == "reactor", "the plane keeps serving"
        healed_at = time.time_ns()
        lan.heal(cut)
        await wait_for(lines, all_fresh, 90, healed_at)
        window = freshness_window(lines, cut_at)
        assert max(fresh_ages(window), default=0) < BUDGET_NS + SKEW_NS, f"{cut} partition: nothing old served as fresh"
