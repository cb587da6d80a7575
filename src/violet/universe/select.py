"""Which assets a `[universe]` rule selects from the venues' listings: sans-IO (listings in, a selection out), so
every rule is tested on recorded and generated listings without a venue.

A name is one canonical asset (`BTCUSDT-PERP`) on both venues: Binance `BTCUSDT` and BingX `BTC-USDT`. Names
that differ between the venues for the same coin (a `1000` prefix on one of them) are different assets here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from violet.config import UniverseConfig
from violet.domain.errors import VioletError
from violet.protocols.binance.listings import Listing
from violet.protocols.bingx.contracts import SwapContract

ASSET = re.compile(r"^[A-Z0-9]{2,30}-PERP$")
"""What violet's config accepts as an asset: a listed name outside it (Chinese characters, say) cannot be served."""


@attrs.define
class NothingSelected(VioletError, LookupError):
    excluded: dict[str, int]

    def __str__(self) -> str:
        why = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.excluded.items())) or "no listing at all"
        return f"the [universe] rule selects no asset ({why})"


@attrs.frozen(kw_only=True)
class Selection:
    alpha: tuple[str, ...]
    """The alpha plane's assets, largest 24 h quote volume first."""
    venue: tuple[str, ...]
    volumes: Mapping[str, Decimal]
    """The volume each selected name was ranked by (USDT)."""
    excluded: Mapping[str, int]
    """Listings left out, by reason (a listing on each venue counts once)."""


def binance_perpetuals(listings: Sequence[Listing], rule: UniverseConfig, excluded: Counter[str]) -> dict[str, Listing]:
    """Binance's USDT perpetuals in trading of the rule's underlying types, by canonical asset."""
    out: dict[str, Listing] = {}
    for item in listings:
        asset = f"{item.symbol}-PERP"
        if item.contract_type != "PERPETUAL":
            excluded["binance: not a perpetual"] += 1
        elif item.quote != "USDT":
            excluded["binance: not USDT-margined"] += 1
        elif item.status != "TRADING":
            excluded["binance: not trading"] += 1
        elif rule.underlying and item.underlying not in rule.underlying:
            excluded[f"binance: underlying {item.underlying or 'none'}"] += 1
        elif not ASSET.match(asset):
            excluded["binance: a name violet cannot carry"] += 1
        else:
            out[asset] = item
    return out


def bingx_perpetuals(contracts: Mapping[str, SwapContract], excluded: Counter[str]) -> set[str]:
    """BingX's USDT swap contracts online and open to the API (the parser keeps `-USDT` contracts only)."""
    out: set[str] = set()
    for asset, contract in contracts.items():
        if not (contract.online and contract.api_open):
            excluded["bingx: not trading"] += 1
        elif not ASSET.match(asset):
            excluded["bingx: a name violet cannot carry"] += 1
        else:
            out.add(asset)
    return out


def select_assets(
    rule: UniverseConfig,
    *,
    binance: Sequence[Listing],
    binance_volumes: Mapping[str, Decimal],
    bingx: Mapping[str, SwapContract],
    bingx_volumes: Mapping[str, Decimal],
) -> Selection:
    """`binance_volumes` by venue symbol (`BTCUSDT`), `bingx_volumes` by canonical asset."""
    excluded: Counter[str] = Counter()
    on_binance = binance_perpetuals(binance, rule, excluded)
    on_bingx = bingx_perpetuals(bingx, excluded)
    if rule.venues == "both":
        names = on_binance.keys() & on_bingx
        excluded["listed on one venue only"] += len(on_binance.keys() ^ on_bingx)
    else:
        names = set(on_binance) if rule.venues == "alpha" else set(on_bingx)

    def volume(asset: str) -> Decimal:
        # A pair is only as liquid as its thinner venue: the smaller volume ranks it.
        a = binance_volumes.get(on_binance[asset].symbol, Decimal(0)) if asset in on_binance else None
        b = bingx_volumes.get(asset, Decimal(0)) if asset in on_bingx else None
        if rule.venues == "both":
            return min(a or Decimal(0), b or Decimal(0))
        return (a if rule.venues == "alpha" else b) or Decimal(0)

    volumes = {asset: volume(asset) for asset in names}
    floor = Decimal(str(rule.min_quote_volume))
    ranked = sorted((a for a in names if volumes[a] >= floor), key=lambda a: (-volumes[a], a))
    excluded["below the volume floor"] += len(names) - len(ranked)
    if rule.top and len(ranked) > rule.top:
        excluded[f"beyond the top {rule.top}"] += len(ranked) - rule.top
        ranked = ranked[: rule.top]
    kept = {reason: n for reason, n in excluded.items() if n}
    if not ranked:
        raise NothingSelected(kept)
    chosen = tuple(ranked)
    return Selection(
        alpha=chosen if rule.venues != "venue" else tuple(a for a in chosen if a in on_binance),
        venue=chosen if rule.venues != "alpha" else tuple(a for a in chosen if a in on_bingx),
        volumes={a: volumes[a] for a in chosen},
        excluded=kept,
    )
