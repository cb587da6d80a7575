"""BingX swap listings, sans-IO: the contracts list and the 24 h tickers (`/openApi/swap/v2/quote/contracts`,
`/openApi/swap/v2/quote/ticker`), decoded tolerantly.

Live rows carry numbers; some recordings carry the same fields as strings. Only what violet needs is read.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
    apiStateOpen: str | bool | None = None


class _Reply[T](msgspec.Struct):
    code: int
    msg: str = ""
    data: list[T] | None = None


@attrs.frozen(kw_only=True)
class SwapContract:
    asset: str
    symbol: str
    price_precision: int | None
    online: bool
    size_precision: int | None = None
    api_open: bool = True
    """`apiStateOpen`: the contract takes API orders (a string "true"/"false" live; absent in older recordings)."""


def _int_or_none(value: int | str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _rows[T](body: bytes, row: type[T], what: str) -> list[T]:
    """The rows of a `{code, msg, data: [...]}` reply; a refusal or a body not understood is `ContractsError`."""
    try:
        reply = msgspec.json.decode(body, type=_Reply[row])  # type: ignore[valid-type]
    except msgspec.DecodeError as exc:
        raise ContractsError(f"{what} not understood: {exc}") from None
    if reply.code != 0 or reply.data is None:
        raise ContractsError(f"{what} refused: code {reply.code} {reply.msg!r}")
    return reply.data


def parse_contracts(body: bytes) -> dict[str, SwapContract]:
    out: dict[str, SwapContract] = {}
    for row in _rows(body, _Row, "contracts"):
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
            api_open=str(row.apiStateOpen).lower() in ("true", "none"),
        )
    return out


class _Ticker(msgspec.Struct):
    symbol: str
    quoteVolume: str | float | None = None


def parse_quote_volumes(body: bytes) -> dict[str, Decimal]:
    """24 h quote volume (USDT) by canonical asset, from the all-symbols ticker; a row without one is left out."""
    out: dict[str, Decimal] = {}
    for row in _rows(body, _Ticker, "tickers"):
        try:
            out[to_canonical(row.symbol)] = Decimal(str(row.quoteVolume))
        except (NotABingxAsset, InvalidOperation):
            continue
    return out
