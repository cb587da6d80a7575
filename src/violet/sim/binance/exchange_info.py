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


def exchange_info(
    instruments: tuple[Instrument, ...],
    server_time_ms: int,
    *,
    weight_limit: int,
    extra_time_in_force: tuple[str, ...] = (),
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
        "symbols": [symbol_entry(i, extra_time_in_force=extra_time_in_force) for i in instruments],
    }
