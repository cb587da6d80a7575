"""`GET /fapi/v1/exchangeInfo` with every field of the live response (2021 recording, trimmed there to 5
symbols), for any number of simulated symbols."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from violet.sim.engine.universe import Instrument


def venue_symbol(inst: Instrument) -> str:
    return f"{inst.base}USDT"


def _step(decimals: int) -> str:
    return "1" if decimals == 0 else format(Decimal(1).scaleb(-decimals), "f")


def symbol_entry(inst: Instrument, *, extra_time_in_force: tuple[str, ...] = ()) -> dict[str, Any]:
    tick = _step(inst.price_decimals)
    step = _step(inst.qty_decimals)
    start = Decimal(inst.start_price)
    return {
        "symbol": venue_symbol(inst),
        "pair": venue_symbol(inst),
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": inst.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": inst.price_decimals,
        "quantityPrecision": inst.qty_decimals,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012000",
        "marketTakeBound": "0.30",
        "filters": [
            {
                "minPrice": format((start / 100).quantize(Decimal(tick)), "f")
                if start / 100 >= Decimal(tick)
                else tick,
                "maxPrice": format(start * 20, "f").split(".")[0],
                "filterType": "PRICE_FILTER",
                "tickSize": tick,
            },
            {"stepSize": step, "filterType": "LOT_SIZE", "maxQty": "1000000", "minQty": step},
            {"stepSize": step, "filterType": "MARKET_LOT_SIZE", "maxQty": "100000", "minQty": step},
            {"limit": 200, "filterType": "MAX_NUM_ORDERS"},
            {"limit": 10, "filterType": "MAX_NUM_ALGO_ORDERS"},
            {"notional": "5", "filterType": "MIN_NOTIONAL"},
            {
                "multiplierDown": "0.8500",
                "multiplierUp": "1.1500",
                "multiplierDecimal": "4",
                "filterType": "PERCENT_PRICE",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", *extra_time_in_force],
    }


QUARTER_DELIVERY_MS = 1_798_185_600_000
"""2026-12-25 08:00 UTC: when the quarterlies listed beside the perpetuals deliver (their symbols end `_261225`)."""
OTHER_LISTINGS: tuple[tuple[str, str, str, str], ...] = (
    # (symbol, base, underlyingType, status): perpetuals a USDT-perpetual universe must still filter, as listed live
    # on 2026-10-07 (PROTOCOL.md section 10): other underlying types, statuses other than TRADING, a name in Chinese
    # characters, a 17-character name.
    ("TSLAUSDT", "TSLA", "EQUITY", "TRADING"),
    ("XAUUSDT", "XAU", "COMMODITY", "TRADING"),
    ("BTCDOMUSDT", "BTCDOM", "INDEX", "TRADING"),
    ("EURUSDT", "EUR", "FX", "TRADING"),
    ("PRELISTUSDT", "PRELIST", "PREMARKET", "TRADING"),
    ("OLDCOINUSDT", "OLDCOIN", "COIN", "SETTLING"),
    ("NEXTCOINUSDT", "NEXTCOIN", "COIN", "PENDING_TRADING"),
    ("币安人生USDT", "币安人生", "COIN", "TRADING"),
    ("1000000LONGUSDT", "1000000LONG", "COIN", "TRADING"),
)


def market_mix(instruments: tuple[Instrument, ...], extra_time_in_force: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """What exchangeInfo lists beside the simulated USDT perpetuals: a quarterly for every tenth of them, a
    USDC-margined perpetual for every eighth, and `OTHER_LISTINGS`. Listed, never streamed: a selector that lets one
    through finds it silent."""
    out: list[dict[str, Any]] = []
    for i, inst in enumerate(instruments):
        if i % 10 == 0:
            out.append(
                symbol_entry(inst, extra_time_in_force=extra_time_in_force)
                | {
                    "symbol": f"{venue_symbol(inst)}_261225",
                    "contractType": "CURRENT_QUARTER",
                    "deliveryDate": QUARTER_DELIVERY_MS,
                }
            )
        if i % 8 == 0:
            usdc = f"{inst.base}USDC"
            out.append(
                symbol_entry(inst, extra_time_in_force=extra_time_in_force)
                | {"symbol": usdc, "pair": usdc, "quoteAsset": "USDC", "marginAsset": "USDC"}
            )
    template = instruments[0]
    for symbol, base, underlying, status in OTHER_LISTINGS:
        out.append(
            symbol_entry(template, extra_time_in_force=extra_time_in_force)
            | {"symbol": symbol, "pair": symbol, "baseAsset": base, "underlyingType": underlying, "status": status}
        )
    return out


def exchange_info(
    instruments: tuple[Instrument, ...],
    server_time_ms: int,
    *,
    weight_limit: int,
    extra_time_in_force: tuple[str, ...] = (),
    mix: bool = False,
) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": server_time_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": weight_limit,
            },
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
        "exchangeFilters": [],
        "assets": [
            {"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"},
            {"asset": "BTC", "marginAvailable": True, "autoAssetExchange": "-0.00100000"},
        ],
        "symbols": [symbol_entry(i, extra_time_in_force=extra_time_in_force) for i in instruments]
        + (market_mix(instruments, extra_time_in_force) if mix and instruments else []),
    }
