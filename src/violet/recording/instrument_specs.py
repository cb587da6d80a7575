"""The instruments a recording needs, from the venues' own listings (the URLs the planes were configured with)."""

from __future__ import annotations

from collections.abc import Iterable

from violet.adapters.bingx.contracts import load_contracts
from violet.adapters.nt_binance.instruments import load_instruments
from violet.config import VioletConfig
from violet.recording.nt_records import InstrumentSpec

FALLBACK_PRICE_PRECISION = 8
"""For a listing without a precision: fine enough for any perpetual's tick, so nothing is refused as too precise."""


def _decimals(step: str | None) -> int | None:
    if not step:
        return None
    digits = step.rstrip("0").partition(".")[2]
    return len(digits)


async def load_specs(
    cfg: VioletConfig, alpha_assets: Iterable[str], venue_assets: Iterable[str]
) -> dict[tuple[str, str], InstrumentSpec]:
    """By (venue as NautilusTrader names it, asset); assets a venue does not list are left out (their ticks are
    counted `no-instrument`)."""
    specs: dict[tuple[str, str], InstrumentSpec] = {}
    binance, _ = await load_instruments(cfg.binance.http_url, alpha_assets)
    for asset, inst in binance.items():
        # The listing's precision and its tick's decimals disagree for some names: the finer one refuses nothing.
        known = [p for p in (inst.price_precision, _decimals(inst.tick_size)) if p is not None]
        precision = max(known) if known else None
        specs[("BINANCE", asset)] = InstrumentSpec(
            venue="BINANCE",
            asset=asset,
            price_precision=FALLBACK_PRICE_PRECISION if precision is None else precision,
            size_precision=inst.size_precision or 0,
        )
    bingx, _ = await load_contracts(cfg.bingx.http_url, venue_assets)
    for asset, contract in bingx.items():
        specs[("BINGX", asset)] = InstrumentSpec(
            venue="BINGX",
            asset=asset,
            price_precision=FALLBACK_PRICE_PRECISION if contract.price_precision is None else contract.price_precision,
            size_precision=contract.size_precision or 0,
        )
    return specs
