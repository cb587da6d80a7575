"""Starts what the config needs besides in-process adapters: venue simulators and a `violet feed` process.

Children are separate processes (the simulators must not share a core's event loop with the reactor,
and NautilusTrader must own the feed's loop). Each prints one JSON line when ready. On exit every child
gets SIGTERM, then SIGKILL if it lingers, so nothing is left behind.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec

from violet.app.processes import spawn_ready, stop_process
from violet.composition import remote_planes
from violet.config import VioletConfig, dump_config


def _violet_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "violet", *args]


@asynccontextmanager
async def child(cmd: list[str], *, name: str, ready_timeout_s: float = 60.0) -> AsyncIterator[dict[str, Any]]:
    """Run `cmd`, wait for its JSON ready line on stdout, yield it; stop the child on exit."""
    proc, line = await spawn_ready(cmd, name=name, timeout_s=ready_timeout_s, new_session=True)
    try:
        yield msgspec.json.decode(line)
    finally:
        await stop_process(proc)


@asynccontextmanager
async def supervised(cfg: VioletConfig) -> AsyncIterator[VioletConfig]:
    """Start simulators (if enabled) and a feed process (if a plane is remote); yield the resolved config."""
    async with AsyncExitStack() as stack:
        if cfg.simulators.enabled:
            sims = cfg.simulators
            common = ["--symbols", str(sims.symbols), "--rate", str(sims.rate_hz), "--seed", str(sims.seed)]
            common += ["--profile", sims.profile]
            if sims.tls:
                common.append("--tls")
            binance = await stack.enter_async_context(
                child(_violet_cmd("sim", "binance", *common), name="binance simulator")
            )
            bingx = await stack.enter_async_context(child(_violet_cmd("sim", "bingx", *common), name="bingx simulator"))
            cfg = msgspec.structs.replace(
                cfg,
                simulators=msgspec.structs.replace(cfg.simulators, enabled=False),
                binance=msgspec.structs.replace(cfg.binance, http_url=binance["http"], ws_url=binance["ws"]),
                bingx=msgspec.structs.replace(
                    cfg.bingx, http_url=bingx["http"], ws_url=f"{bingx['ws']}/swap-market", ca_file=bingx["ca"]
                ),
            )
            if sims.tls and binance["ca"]:
                os.environ["SSL_CERT_FILE"] = str(binance["ca"])
        if remote_planes(cfg) and cfg.feed.spawn:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="violet-feed-"))
            path = Path(tmp) / "feed.toml"
            path.write_text(dump_config(cfg))
            for shard in range(cfg.feed.shards):
                cmd = _violet_cmd("feed", "--config", str(path), "--shard", str(shard))
                await stack.enter_async_context(child(cmd, name=f"violet feed shard {shard}"))
        yield cfg
