"""Swap contracts from `GET /openApi/swap/v2/quote/contracts` (parsed by `violet.protocols.bingx.contracts`)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable

import aiohttp

from violet.protocols.bingx.contracts import ContractsError, SwapContract, parse_contracts

__all__ = ["ContractsError", "SwapContract", "load_contracts", "parse_contracts"]


async def load_contracts(
    base_url_http: str, wanted: Iterable[str], *, timeout_s: float = 10.0, ssl_context: ssl.SSLContext | None = None
) -> tuple[dict[str, SwapContract], list[str]]:
    """(served, missing): wanted assets listed and online, and the others."""
    # The venue refuses some market-data calls without a timestamp (HTTP 400, 104414): always send one.
    url = f"{base_url_http.rstrip('/')}/openApi/swap/v2/quote/contracts?timestamp={time.time_ns() // 1_000_000}"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http,
        http.get(url, ssl=ssl_context or True) as resp,
    ):
        body = await resp.read()
        if resp.status != 200:
            raise ContractsError(f"GET {url}: HTTP {resp.status}")
    listed = parse_contracts(body)
    wanted = list(wanted)
    served = {a: listed[a] for a in wanted if a in listed and listed[a].online}
    return served, [a for a in wanted if a not in served]
