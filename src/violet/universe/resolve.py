"""A `[universe]` rule resolved against the venues' REST listings at start: four public calls (Binance
`exchangeInfo` and `ticker/24hr`, BingX `contracts` and `ticker`), made concurrently, then `select_assets`.

Binance weighs `ticker/24hr` without a symbol at 40 of its 2,400 a minute; the rest weigh 1 each. The resolved
config names its assets and has no rule left, so feed processes given it serve exactly what was selected (a
`violet feed` started by hand with the rule resolves it again, at its own moment: its listing may differ).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import aiohttp
import anyio
import attrs
import msgspec

from violet.config import UniverseConfig, VioletConfig
from violet.domain.errors import VioletError
from violet.protocols.binance.listings import ListingsError, parse_exchange_info
from violet.protocols.binance.listings import parse_quote_volumes as binance_volumes
from violet.protocols.bingx.contracts import ContractsError, parse_contracts
from violet.protocols.bingx.contracts import parse_quote_volumes as bingx_volumes
from violet.universe.select import Selection, select_assets

log = logging.getLogger("violet.universe")
TIMEOUT_S = 10.0


@attrs.define
class ListingsUnavailable(VioletError, OSError):
    venue: str
    source: str
    """The URL (or, for a reply not understood, the calls) it came from."""
    reason: str

    def __str__(self) -> str:
        return f"{self.venue} listings unavailable ({self.source}): {self.reason}"


async def _get(http: aiohttp.ClientSession, venue: str, url: str) -> bytes:
    try:
        async with http.get(url) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise ListingsUnavailable(venue, url, f"HTTP {resp.status}: {body[:200]!r}")
            return body
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ListingsUnavailable(venue, url, f"{type(exc).__name__}: {exc}") from None


async def fetch_listings(cfg: VioletConfig, *, volumes: bool = True, timeout_s: float = TIMEOUT_S) -> dict[str, bytes]:
    """The four bodies, by name, fetched concurrently (`volumes=False`: the two listings only, what a refresh needs:
    Binance's all-symbols ticker weighs 40)."""
    binance = cfg.binance.http_url.rstrip("/")
    bingx = cfg.bingx.http_url.rstrip("/")
    # BingX refuses some market-data calls without a timestamp (HTTP 400, 104414): always send one.
    stamp = f"timestamp={time.time_ns() // 1_000_000}"
    urls = {
        "binance exchangeInfo": ("Binance", f"{binance}/fapi/v1/exchangeInfo"),
        "binance ticker/24hr": ("Binance", f"{binance}/fapi/v1/ticker/24hr"),
        "bingx contracts": ("BingX", f"{bingx}/openApi/swap/v2/quote/contracts?{stamp}"),
        "bingx ticker": ("BingX", f"{bingx}/openApi/swap/v2/quote/ticker?{stamp}"),
    }
    bodies: dict[str, bytes] = {}
    failed: list[ListingsUnavailable] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http:

        async def one(name: str, venue: str, url: str) -> None:
            try:
                bodies[name] = await _get(http, venue, url)
            except ListingsUnavailable as exc:
                failed.append(exc)  # one typed error for the caller, not a group of up to four

        async with anyio.create_task_group() as tg:
            for name, (venue, url) in urls.items():
                if volumes or "ticker" not in name:
                    tg.start_soon(one, name, venue, url)
    if failed:
        raise failed[0]
    return bodies


def selection_of(rule: UniverseConfig, bodies: dict[str, bytes]) -> Selection:
    try:
        binance = parse_exchange_info(bodies["binance exchangeInfo"])
        binance_by_volume = binance_volumes(bodies["binance ticker/24hr"])
    except ListingsError as exc:
        raise ListingsUnavailable("Binance", "exchangeInfo, ticker/24hr", str(exc)) from None
    try:
        bingx = parse_contracts(bodies["bingx contracts"])
        bingx_by_volume = bingx_volumes(bodies["bingx ticker"])
    except ContractsError as exc:
        raise ListingsUnavailable("BingX", "contracts, quote/ticker", str(exc)) from None
    return select_assets(
        rule, binance=binance, binance_volumes=binance_by_volume, bingx=bingx, bingx_volumes=bingx_by_volume
    )


def applied(cfg: VioletConfig, selection: Selection) -> VioletConfig:
    """`cfg` naming the selected assets, its rule spent."""
    return msgspec.structs.replace(
        cfg,
        alpha=msgspec.structs.replace(cfg.alpha, assets=list(selection.alpha)),
        venue=msgspec.structs.replace(cfg.venue, assets=list(selection.venue)),
        universe=msgspec.structs.replace(cfg.universe, select=""),
    )


async def resolve_universe(
    cfg: VioletConfig, fetch: Callable[[VioletConfig], Awaitable[dict[str, bytes]]] = fetch_listings
) -> tuple[VioletConfig, Selection]:
    selection = selection_of(cfg.universe, await fetch(cfg))
    total: Decimal = sum(selection.volumes.values(), Decimal(0))
    log.info(
        "universe: %d alpha, %d venue assets selected (24 h quote volume %.0f USDT); left out: %s",
        len(selection.alpha),
        len(selection.venue),
        total,
        dict(selection.excluded),
    )
    return applied(cfg, selection), selection
