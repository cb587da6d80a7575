"""Venue simulators as separate processes, so they keep sending while the test's own loop is busy or blocked."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import msgspec

from violet.app.processes import spawn_ready, stop_process


@asynccontextmanager
async def sim_process(
    venue: str, *, symbols: int = 2, rate: float = 400, profile: str = "uniform", port: int = 0
) -> AsyncIterator[dict[str, Any]]:
    """A simulator subprocess; the uniform profile unless asked: these tests count on a known, steady rate.
    `port`: a fixed port (a simulator restarted where clients expect it), else any free one."""
    cmd = [sys.executable, "-m", "violet", "sim", venue, "--symbols", str(symbols), "--rate", str(rate)]
    cmd += ["--profile", profile, "--port", str(port)]
    proc, line = await spawn_ready(cmd, name=f"{venue} simulator", timeout_s=30)
    try:
        info: dict[str, Any] = msgspec.json.decode(line)
        yield info
    finally:
        await stop_process(proc)


async def apply_fault(info: dict[str, Any], spec: str) -> None:
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{info['http']}/__sim/fault", json={"fault": spec, "conn": None})
        assert resp.status == 200, await resp.text()
