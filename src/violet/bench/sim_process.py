"""Venue simulators as subprocesses for the benches: start (optionally pinned), control endpoints, stop."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import anyio
import attrs
import msgspec
import psutil

from violet.app.heap import freeze_startup_heap
from violet.app.processes import spawn_ready, stop_process


@attrs.frozen(kw_only=True)
class SimProcess:
    proc: anyio.abc.Process
    info: dict[str, Any]


async def start_sim(
    venue: str,
    *,
    symbols: int,
    rate: float,
    tls: bool,
    pin: bool = True,
    profile: str = "uniform",
    burst: str | None = None,
) -> SimProcess:
    """A simulator subprocess; `pin` puts it on core 0 and this process on the others (latency benches). Benches
    default to the uniform profile: a fixed, known load; `burst` is `--burst`'s FACTOR:SECONDS[:EVERY]."""
    cmd = [sys.executable, "-m", "violet", "sim", venue, "--symbols", str(symbols), "--rate", str(rate)]
    cmd += ["--profile", profile] + (["--burst", burst] if burst else [])
    if tls:
        cmd.append("--tls")
    proc, line = await spawn_ready(cmd, name=f"{venue} simulator", timeout_s=30)
    info = msgspec.json.decode(line)
    if venue == "binance":
        info["ws"] = binance_ws_url(info["ws"])
    if not pin:
        return SimProcess(proc=proc, info=info)
    try:  # sim on core 0, clients on the others: the measured side is not the measuring side's neighbour
        os.sched_setaffinity(proc.pid, {0})
        os.sched_setaffinity(0, set(range(1, os.cpu_count() or 2)) or {0})
    except (AttributeError, OSError):
        pass
    return SimProcess(proc=proc, info=info)


BINANCE_WS_HOST_ENV = "VIOLET_BINANCE_WS_HOST"


def binance_ws_url(ws_url: str) -> str:
    """The Binance simulator's WebSocket URL under the host name in VIOLET_BINANCE_WS_HOST, when set.

    NautilusTrader 2.0 maps its two clients onto Binance's routes only for Binance's own hosts; the simulator enforces
    the routes as Binance does (its bare root serves public streams only). `scripts/nt-compat` and the side-by-side
    benches run 2.0 in a private mount namespace whose /etc/hosts maps `fstream.binance.com` to 127.0.0.1 and set
    this variable, so 2.0 reaches the simulator as Binance. Plain ws:// (2.0's WebSocket TLS trusts only its
    compiled-in roots)."""
    host = os.environ.get(BINANCE_WS_HOST_ENV)
    if not host:
        return ws_url
    parts = urlsplit(ws_url)
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}"))


def unpin(pid: int) -> None:
    """Let a process of the system under test (a feed, a Hazelcast member) run on every core: it inherits this
    client's pinning otherwise, and three busy processes on one core measure the core, not the bridge."""
    cores = set(range(os.cpu_count() or 1))
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for tid in threads:  # affinity is per thread: a running JVM already has dozens
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(tid, cores)


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds per named process (a JVM's threads included); absent ones are left out."""
    out = {}
    for name, pid in pids.items():
        with contextlib.suppress(psutil.Error):
            out[name] = sum(psutil.Process(pid).cpu_times()[:2])
    return out


async def stop_sim(sim: SimProcess) -> None:
    await stop_process(sim.proc)


async def sim_post(sim: SimProcess, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.post(f"{sim.info['http']}{path}", ssl=ssl_context(sim)) as r:
        return msgspec.json.decode(await r.read())


async def sim_fault(sim: SimProcess, spec: str) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sim.info['http']}/__sim/fault", json={"fault": spec, "conn": None}, ssl=ssl_context(sim)) as r,
    ):
        return msgspec.json.decode(await r.read())


async def sim_get(sim: SimProcess, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(f"{sim.info['http']}{path}", ssl=ssl_context(sim)) as r:
        return msgspec.json.decode(await r.read())


def ssl_context(sim: SimProcess) -> Any:
    if sim.info.get("ca"):
        import ssl

        return ssl.create_default_context(cafile=sim.info["ca"])
    return None


async def settle(sim: SimProcess, topics: int) -> None:
    """Wait until the client has subscribed `topics` streams (NT paces its subscriptions), freeze the heap, warm up
    for a second, and start the simulator's send log afresh: the measured window starts after this.

    The heap is frozen as `violet run` and `violet feed` do once their feeds are up (violet.app.heap), for every
    client alike, and before the warm-up, which absorbs the collection's own pause (tens of ms: frames sent during
    it would otherwise be counted with that delay). Callers `gc.unfreeze()` when done."""
    with anyio.fail_after(120):
        while sum(len(c["topics"]) for c in await sim_get(sim, "/__sim/connections")) < topics:  # noqa: ASYNC110 - polling another process
            await anyio.sleep(0.1)
    freeze_startup_heap()
    await anyio.sleep(1.0)
    await sim_post(sim, "/__sim/sendlog")
