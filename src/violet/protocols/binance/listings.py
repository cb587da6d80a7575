"""Binance USD-M listings, sans-IO: `GET /fapi/v1/exchangeInfo` (every contract, whatever its kind and status) and
`GET /fapi/v1/ticker/24hr` without a symbol (24 h figures of the contracts in status TRADING).

Live, exchangeInfo mixes perpetuals, quarterlies (`BTCUSDT_261225`), USDC-margined contracts and nine underlying
types, in several statuses, with names in Chinese characters among them (PROTOCOL.md section 10): nothing here
filters; `violet.universe` decides.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import attrs
import msgspec

from violet.domain.errors import VioletError


class ListingsError(VioletError, RuntimeError):
    pass


@attrs.frozen(kw_only=True)
class Listing:
    symbol: str
    contract_type: str
    """`PERPETUAL`, `CURRENT_QUARTER`, `NEXT_QUARTER`, ... (empty when absent)."""
    quote: str
    status: str
    underlying: str
    """`underlyingType`: `COIN`, `EQUITY`, `COMMODITY`, `INDEX`, `PREMARKET`, ... (empty when absent)."""


class _Symbol(msgspec.Struct):
    symbol: str
    contractType: str = ""
    quoteAsset: str = ""
    status: str = ""
    underlyingType: str = ""


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol]


class _Ticker(msgspec.Struct):
    symbol: str
    quoteVolume: str | None = None


def parse_exchange_info(body: bytes) -> list[Listing]:
    try:
        info = msgspec.json.decode(body, type=_ExchangeInfo)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ListingsError(f"exchangeInfo not understood: {exc}") from None
    return [
        Listing(
            symbol=s.symbol,
            contract_type=s.contractType,
            quote=s.quoteAsset,
            status=s.status,
            underlying=s.underlyingType,
        )
        for s in info.symbols
    ]


def parse_quote_volumes(body: bytes) -> dict[str, Decimal]:
    """24 h quote volume by venue symbol (`BTCUSDT`); a row without a readable one is left out."""
    try:
        rows = msgspec.json.decode(body, type=list[_Ticker])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ListingsError(f"ticker/24hr not understood: {exc}") from None
    out: dict[str, Decimal] = {}
    for row in rows:
        try:
            out[row.symbol] = Decimal(str(row.quoteVolume))
        except InvalidOperation:
            continue
    return out
