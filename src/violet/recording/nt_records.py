"""violet's ticks as NautilusTrader data: quotes, trades and the instruments they belong to (sans-IO).

What the port carries is prices and times; NautilusTrader's records also hold sizes, which violet does not carry
(the port is a price feed). Quotes are written with sizes 0; a trade needs a positive size in NautilusTrader, so
it is written with the instrument's size increment. `SIZES_NOTE` says so in the catalog's own description, and a
researcher must not read volume from a violet recording.

An instrument is `<asset>.<VENUE>` (`BTCUSDT-PERP.BINANCE`, `BTCUSDT-PERP.BINGX`): the asset as violet names it, the
venue as NautilusTrader's Binance adapter names it, so a recording and NautilusTrader's own data line up.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from nautilus_trader.model.data import QuoteTick, TradeTick
from nautilus_trader.model.enums import AggressorSide, CurrencyType
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TradeId
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Currency, Price, Quantity

from violet.domain import NormalizedTick
from violet.domain.errors import VioletError

SIZES_NOTE = (
    "violet's port carries prices, not sizes: quote sizes are 0 and trade sizes are the instrument's size "
    "increment (NautilusTrader refuses a zero trade size); do not read volume from this recording"
)
_QUOTE_ASSETS = ("USDT", "USDC", "BUSD", "USD")


class TooPrecise(VioletError, ValueError):
    """A price with more decimals than its instrument's precision: refused, never rounded into the recording."""

    def __init__(self, asset: str, price: Decimal, precision: int) -> None:
        super().__init__(f"{asset}: price {price} has more than the instrument's {precision} decimals")


@attrs.frozen(kw_only=True)
class InstrumentSpec:
    """What violet knows of a perpetual from its venue's listing."""

    venue: str
    """As NautilusTrader names it: `BINANCE`, `BINGX`."""
    asset: str
    """Canonical id, `BTCUSDT-PERP`."""
    price_precision: int
    size_precision: int

    @property
    def instrument_id(self) -> str:
        return f"{self.asset}.{self.venue}"


def venue_of(tick_venue: str) -> str:
    """NautilusTrader's venue name for a tick's `venue` (`binance` -> `BINANCE`)."""
    return tick_venue.upper()


def _currencies(asset: str) -> tuple[Currency, Currency]:
    pair = asset.removesuffix("-PERP")
    quote = next((q for q in _QUOTE_ASSETS if pair.endswith(q) and len(pair) > len(q)), "USDT")
    base = pair.removesuffix(quote)
    return (
        Currency(base, 8, 0, base, CurrencyType.CRYPTO),
        Currency(quote, 8, 0, quote, CurrencyType.CRYPTO),
    )


def instrument(spec: InstrumentSpec, ts_ns: int) -> CryptoPerpetual:
    base, quote = _currencies(spec.asset)
    return CryptoPerpetual(
        instrument_id=InstrumentId.from_str(spec.instrument_id),
        raw_symbol=Symbol(spec.asset.removesuffix("-PERP")),
        base_currency=base,
        quote_currency=quote,
        settlement_currency=quote,
        is_inverse=False,
        price_precision=spec.price_precision,
        size_precision=spec.size_precision,
        price_increment=Price(Decimal(1).scaleb(-spec.price_precision), spec.price_precision),
        size_increment=Quantity(Decimal(1).scaleb(-spec.size_precision), spec.size_precision),
        ts_event=ts_ns,
        ts_init=ts_ns,
    )


def _price(spec: InstrumentSpec, value: Decimal) -> Price:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > spec.price_precision:
        raise TooPrecise(spec.asset, value, spec.price_precision)
    return Price(value, spec.price_precision)


def to_nautilus(
    tick: NormalizedTick, spec: InstrumentSpec, *, ts_init: int, trade_seq: int
) -> list[QuoteTick | TradeTick]:
    """The quote and/or trade one tick is; `ts_init` is violet's receive time on the wall clock, `trade_seq` numbers
    this instrument's trades (NautilusTrader wants a trade id; the port carries none). Raises `TooPrecise`."""
    iid = InstrumentId.from_str(spec.instrument_id)
    out: list[QuoteTick | TradeTick] = []
    if tick.bid is not None and tick.ask is not None:
        zero = Quantity(0, spec.size_precision)
        out.append(QuoteTick(iid, _price(spec, tick.bid), _price(spec, tick.ask), zero, zero, tick.ts_event, ts_init))
    if tick.last is not None:
        size = Quantity(Decimal(1).scaleb(-spec.size_precision), spec.size_precision)
        out.append(
            TradeTick(
                iid,
                _price(spec, tick.last),
                size,
                AggressorSide.NO_AGGRESSOR,
                TradeId(str(trade_seq)),
                tick.ts_event,
                ts_init,
            )
        )
    return out
