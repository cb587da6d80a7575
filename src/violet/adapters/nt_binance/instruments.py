"""The alpha universe from Binance's *public* exchangeInfo, decoded tolerantly.

NautilusTrader's own provider decodes exchangeInfo into strict structs (an unknown enum value fails the
whole load) and then calls signed endpoints a placeholder key cannot pass. violet therefore loads
instruments itself: only the fields it needs, unknown fields and values ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

import aiohttp
import attrs
import msgspec

from violet.adapters.nt_binance.instrument_file import InstrumentFile, InstrumentFileError
from violet.domain.errors import VioletError


class ExchangeInfoError(VioletError, RuntimeError):
    pass


class _Filter(msgspec.Struct):
    filterType: str
    tickSize: str | None = None


class _Symbol(msgspec.Struct):
    symbol: str
    contractType: str | None = None
    status: str | None = None
    pricePrecision: int | None = None
    quantityPrecision: int | None = None
    filters: list[_Filter] = msgspec.field(default_factory=list)


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


@attrs.frozen(kw_only=True)
class PerpInstrument:
    asset: str
    """Canonical id, `BTCUSDT-PERP` (also NT's instrument symbol)."""
    venue_symbol: str
    tick_size: str | None
    price_precision: int | None
    size_precision: int | None = None


def canonical_asset(venue_symbol: str) -> str:
    return f"{venue_symbol}-PERP"


def parse_exchange_info(body: bytes) -> dict[str, PerpInstrument]:
    """Trading USD-M perpetuals by canonical asset id."""
    try:
        info = msgspec.json.decode(body, type=_ExchangeInfo)
    except msgspec.DecodeError as exc:
        raise ExchangeInfoError(f"exchangeInfo not understood: {exc}") from None
    out: dict[str, PerpInstrument] = {}
    for s in info.symbols:
        if s.contractType != "PERPETUAL" or s.status not in (None, "TRADING"):
            continue
        tick = next((f.tickSize for f in s.filters if f.filterType == "PRICE_FILTER"), None)
        inst = PerpInstrument(
            asset=canonical_asset(s.symbol),
            venue_symbol=s.symbol,
            tick_size=tick,
            price_precision=s.pricePrecision,
            size_precision=s.quantityPrecision,
        )
        out[inst.asset] = inst
    return out


async def load_instruments(
    base_url_http: str, wanted: Iterable[str], *, timeout_s: float = 10.0, file: InstrumentFile | None = None
) -> tuple[dict[str, PerpInstrument], list[str]]:
    """(served, missing): the wanted assets the venue lists, and those it does not. With `file`: a successful
    response is saved to it, and a region block (HTTP 451) starts from it if its policy allows."""
    url = base_url_http.rstrip("/") + "/fapi/v1/exchangeInfo"
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
        body = await resp.read()
        status = resp.status
    if status == 451:
        refusal = f"GET {url}: HTTP 451: Binance refuses this host's location (a region block)"
        if file is None:
            raise ExchangeInfoError(refusal)
        try:
            body = file.fallback(refusal)
        except InstrumentFileError as exc:
            raise ExchangeInfoError(str(exc)) from None
    elif status != 200:
        raise ExchangeInfoError(f"GET {url}: HTTP {status}: {body[:200]!r}")
    listed = parse_exchange_info(body)
    if status == 200 and file is not None:
        file.save(body)
    wanted = list(wanted)
    served = {a: listed[a] for a in wanted if a in listed}
    return served, [a for a in wanted if a not in listed]
