"""A feed process's share of the listings made while it runs: with a `[universe]` rule and `refresh_s`, each feed
shard reads the venues' listings again, and the new names the rule selects that fall to this shard (a stable hash of
the name, so exactly one shard of any count takes each) get room in its bridge, then are subscribed by its source.
The reactor's remote plane learns them from the bridge and serves them; nothing restarts.

Shared memory: room is kept when the table is made (`LISTING_ROOM` assets a table), and the table's directory names
them; names past the room are logged and wait for a restart. Hazelcast: the map takes any key, and the shard's
heartbeat value names what it added. A selection ranked by volume (`top`, `min_quote_volume`) is not ranked again
while running, as in the reactor (`violet.universe.watch`).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Awaitable, Callable, Mapping

import anyio

from violet.bridges.writer import BridgeWriter, GrowingWriter
from violet.composition import Plane
from violet.config import UniverseConfig, VioletConfig
from violet.ports import AssetAdding, VenuePriceFeedPort
from violet.protocols.binance.listings import ListingsError
from violet.protocols.bingx.contracts import ContractsError
from violet.universe.resolve import ListingsUnavailable
from violet.universe.watch import LISTINGS_ONLY, listed_by_plane, wanted_now

log = logging.getLogger("violet.feed")

LISTING_ROOM = 64
"""Assets a feed shard's table can take while running (a slot per tick kind, 208 bytes each: ~39 KiB a table)."""


def owner(asset: str, shards: int) -> int:
    """The shard that publishes `asset` when it is listed while running (the same in every process: crc32)."""
    return zlib.crc32(asset.encode()) % shards


async def add_new_listings(
    rule: UniverseConfig,
    listed: Mapping[str, frozenset[str]],
    sources: Mapping[Plane, VenuePriceFeedPort],
    writers: Mapping[Plane, BridgeWriter],
    served: Mapping[Plane, frozenset[str]],
    *,
    shard: int,
    shards: int,
) -> dict[str, list[str]]:
    """This shard's new names, per plane: room first (a tick of a new asset must find it), then the subscription.
    `served`: the plane's assets at start, every shard's (a name another shard was given is not new). Returns what
    each source added."""
    wanted = wanted_now(rule, listed)
    out: dict[str, list[str]] = {}
    for plane, source in sources.items():
        writer = writers[plane]
        candidates = (wanted & listed[plane]) - served[plane] - source.assets()
        new = sorted(a for a in candidates if owner(a, shards) == shard)
        if not new or not isinstance(source, AssetAdding) or not isinstance(writer, GrowingWriter):
            continue
        writer.add_assets(new)
        slotted = [a for a in new if a in writer.assets]
        if len(slotted) < len(new):
            log.warning("violet feed: %s plane: no room left for %s (published after a restart)", plane, new)
        added = await source.add_assets(slotted)
        if added:
            log.warning("violet feed: %s plane: new listings published: %s", plane, added)
            out[plane] = added
    return out


async def watch_new_listings(
    rule: UniverseConfig,
    cfg: VioletConfig,
    sources: Mapping[Plane, VenuePriceFeedPort],
    writers: Mapping[Plane, BridgeWriter],
    served: Mapping[Plane, frozenset[str]],
    *,
    shard: int,
    shards: int,
    fetch: Callable[[VioletConfig], Awaitable[dict[str, bytes]]] = LISTINGS_ONLY,
) -> None:
    """Runs until cancelled. A refresh that fails changes nothing and is tried again at the next interval."""
    if rule.top or rule.min_quote_volume:
        log.info("violet feed: a ranked selection is not ranked again while running; new listings at a restart")
        return
    while True:
        await anyio.sleep(rule.refresh_s)
        try:
            listed = listed_by_plane(rule, await fetch(cfg))
        except (ListingsUnavailable, ListingsError, ContractsError) as exc:
            log.warning("violet feed: listings refresh failed, nothing changed: %s", exc)
            continue
        await add_new_listings(rule, listed, sources, writers, served, shard=shard, shards=shards)
