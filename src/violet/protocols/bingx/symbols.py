"""BingX swap symbols (`BTC-USDT`) <-> violet's canonical assets (`BTCUSDT-PERP`)."""

from __future__ import annotations

from violet.domain.errors import VioletError

_SUFFIX = "USDT-PERP"


class NotABingxAsset(VioletError, ValueError):
    pass


def to_venue(asset: str) -> str:
    if not asset.endswith(_SUFFIX) or len(asset) == len(_SUFFIX):
        raise NotABingxAsset(f"{asset!r} is not a USDT-margined perpetual (BASEUSDT-PERP)")
    return f"{asset.removesuffix(_SUFFIX)}-USDT"


def to_canonical(symbol: str) -> str:
    base, sep, quote = symbol.partition("-")
    if not sep or quote != "USDT" or not base:
        raise NotABingxAsset(f"{symbol!r} is not a BingX USDT swap symbol (BASE-USDT)")
    return f"{base}{_SUFFIX}"
