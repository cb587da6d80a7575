"""Swap contracts from `GET /openApi/swap/v2/quote/contracts`, decoded tolerantly.

Live rows carry numbers; some recordings carry the same fields as strings. Only what violet needs is read.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable

import aiohttp
import attrs
import msgspec

from violet.domain.errors import VioletError
from violet.protocols.bingx.symbols import NotABingxAsset, to_canonical


class ContractsError(VioletError, RuntimeError):
    pass


class _Row(msgspec.Struct):
    symbol: str
    pricePrecision: int | str | None = None
    quantityPrecision: int | str | None = None
    status: int | str | None = None


class _Reply(msgspec.Struct):
    code: int
    msg: str = ""
    data: list[_Row] | None = None


@attrs.frozen(kw_only=True)
class SwapContract:
    asset: str
    symbol: str
    price_precision: int | None
    online: bool
    size_precision: int | None = None


def _int_or_none(value: int | str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def parse_contracts(body: bytes) -> dict[str, SwapContract]:
    try:
        reply = msgspec.json.decode(body, type=_Reply)
    except msgspec.DecodeError as exc:
        raise ContractsError(f"contracts not understood: {exc}") from None
    if reply.code != 0 or reply.data is None:
        raise ContractsError(f"contracts refused: code {reply.code} {reply.msg!r}")
    out: dict[str, SwapContract] = {}
    for row in reply.data:
        try:
            asset = to_canonical(row.symbol)
        except NotABingxAsset:
            continue
        out[asset] = SwapContract(
            asset=asset,
            symbol=row.symbol,
            price_precision=_int_or_none(row.pricePrecision),
            size_precision=_int_or_none(row.quantityPrecision),
            online=str(row.status) in ("1", "None"),
        )
    return out


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
