"""A `[universe]` rule re-resolved while running (`refresh_s`): each plane's assets its venue lists no more are
marked delisted (they read `DELISTED`, never a stale price forever; one listed again comes back), and names that
now pass the rule are subscribed where the plane can add assets while running (the in-process planes), appear by
themselves on a shared-memory remote plane (its feed shards watch the same rule: `violet.feed.listings`), else are
reported until a restart (docs/venues.md).

A refresh that fails (a venue refusing or unreachable) changes nothing and is retried at the next interval: a
missing listing is no evidence of a delisting.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from functools import partial

import anyio
import attrs

from violet.config import UniverseConfig, VioletConfig
from violet.ports import AssetAdding, Delisting, VenuePriceFeedPort
from violet.protocols.binance.listings import ListingsError, parse_exchange_info
from violet.protocols.bingx.contracts import ContractsError, parse_contracts
from violet.universe.resolve import ListingsUnavailable, fetch_listings
from violet.universe.select import binance_perpetuals, bingx_perpetuals

log = logging.getLogger("violet.universe")
LISTINGS_ONLY = partial(fetch_listings, volumes=False)
"""What a refresh reads: the two listings, not the 24 h tickers (Binance's all-symbols one weighs 40)."""


@attrs.define
class ListingWatch:
    """What the re-resolutions found so far."""

    refreshes: int = 0
    failed: int = 0
    delisted: dict[str, frozenset[str]] = attrs.field(factory=dict)
    """Per plane, the served assets its venue lists no more (as of the last refresh that worked)."""
    unserved: frozenset[str] = frozenset()
    """Names the rule would select now that no plane serves (new listings not served yet)."""
    added: dict[str, frozenset[str]] = attrs.field(factory=dict)
    """Per plane, the new listings it subscribed while running."""


def listed_by_plane(rule: UniverseConfig, bodies: Mapping[str, bytes]) -> dict[str, frozenset[str]]:
    """Each plane's venue's names that pass the rule's listing filters (not its volume floor or top N: a name
    that fell out of the top is still listed)."""
    excluded: Counter[str] = Counter()
    binance = binance_perpetuals(parse_exchange_info(bodies["binance exchangeInfo"]), rule, excluded)
    bingx = bingx_perpetuals(parse_contracts(bodies["bingx contracts"]), excluded)
    return {"alpha": frozenset(binance), "venue": frozenset(bingx)}


def apply_listings(
    rule: UniverseConfig,
    planes: Mapping[str, VenuePriceFeedPort],
    listed: Mapping[str, frozenset[str]],
    watch: ListingWatch,
) -> None:
    for name, feed in planes.items():
        gone = feed.assets() - listed[name]
        if gone != watch.delisted.get(name, frozenset()):
            log.warning("universe: %s plane: delisted %s", name, sorted(gone) or "none (listed again)")
        watch.delisted[name] = frozenset(gone)
        if isinstance(feed, Delisting):
            feed.set_delisted(gone)


def wanted_now(rule: UniverseConfig, listed: Mapping[str, frozenset[str]]) -> frozenset[str]:
    return listed["alpha"] & listed["venue"] if rule.venues == "both" else listed[rule.venues]


async def add_listings(
    rule: UniverseConfig,
    planes: Mapping[str, VenuePriceFeedPort],
    listed: Mapping[str, frozenset[str]],
    watch: ListingWatch,
) -> None:
    """Names the rule selects now and a plane does not serve: added where the plane can (`AssetAdding`: the
    in-process planes), reported where it cannot (a remote plane's feed may add them by itself). A selection ranked
    by volume (`top`, `min_quote_volume`) is not ranked again while running: a new listing joins it at a restart."""
    if rule.top or rule.min_quote_volume:
        return
    wanted = wanted_now(rule, listed)
    for name, feed in planes.items():
        new = sorted((wanted & listed[name]) - feed.assets())
        if new and isinstance(feed, AssetAdding):
            added = await feed.add_assets(new)
            watch.added[name] = watch.added.get(name, frozenset()) | frozenset(added)
            log.warning("universe: %s plane: new listings subscribed: %s", name, added)
    unserved = wanted - frozenset().union(*(feed.assets() for feed in planes.values()))
    if unserved - watch.unserved:
        log.warning("universe: listed now, not served (yet): %s", sorted(unserved - watch.unserved))
    watch.unserved = frozenset(unserved)


async def watch_listings(
    rule: UniverseConfig,
    cfg: VioletConfig,
    planes: Mapping[str, VenuePriceFeedPort],
    *,
    every_s: float,
    watch: ListingWatch | None = None,
    fetch: Callable[[VioletConfig], Awaitable[dict[str, bytes]]] = LISTINGS_ONLY,
) -> None:
    """Runs until cancelled; `cfg` names the venues (the resolved config)."""
    watch = watch if watch is not None else ListingWatch()
    while True:
        await anyio.sleep(every_s)
        watch.refreshes += 1
        try:
            listed = listed_by_plane(rule, await fetch(cfg))
        except (ListingsUnavailable, ListingsError, ContractsError) as exc:
            watch.failed += 1
            log.warning("universe: refresh failed, nothing changed: %s", exc)
            continue
        apply_listings(rule, planes, listed, watch)
        await add_listings(rule, planes, listed, watch)
