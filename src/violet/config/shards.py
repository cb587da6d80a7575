"""Which assets each feed shard publishes: `[feed] shards = N` deals a plane's assets out in config order (the
busiest names, listed first by convention, land on different shards), or `[feed.shard_assets]` lists them.
`shards = "auto"` is counted by the process that starts the feed processes (`violet run`, `open_planes`), once the
universe is resolved, and handed to them as a number: so the reactor and every shard agree on it even when the
count depends on the host."""

from __future__ import annotations

import os
from collections.abc import Sequence

import msgspec

from violet.config.errors import ConfigError
from violet.config.schema import MAX_SHARDS, PlaneConfig, VioletConfig

REMOTE_ADAPTERS = ("remote_shm", "remote_hz")
"""The adapters whose planes `violet feed` processes publish."""

Slices = tuple[tuple[str, ...], ...]


def deal(assets: Sequence[str], shards: int) -> Slices:
    return tuple(tuple(assets[i::shards]) for i in range(shards))


def shard_count(cfg: VioletConfig) -> int:
    """`[feed] shards` as a number; `"auto"` must have been resolved (`resolve_shards`) by whoever starts the feeds."""
    shards = cfg.feed.shards
    if shards == "auto":
        raise ConfigError("<config>", "feed.shards", AUTO_NEEDS_SPAWN)
    return shards


AUTO_NEEDS_SPAWN = (
    '"auto" is counted by the process that starts the feed processes ([feed] spawn = true); '
    "a feed run as its own service needs a number"
)


def auto_shards(cfg: VioletConfig, cpus: int | None = None) -> int:
    """One shard per `assets_per_shard` assets of the largest remote plane, but no more shards than the host has cores
    (a NautilusTrader process on a core another one already fills adds its own overhead, not capacity), at most 16."""
    remote = [len(p.assets) for p in (cfg.alpha, cfg.venue) if p.adapter in REMOTE_ADAPTERS]
    by_assets = -(-max(remote, default=1) // cfg.feed.assets_per_shard)
    return max(1, min(by_assets, cpus or os.cpu_count() or 1, MAX_SHARDS))


def resolve_shards(cfg: VioletConfig, cpus: int | None = None) -> VioletConfig:
    """`cfg` with `shards = "auto"` counted on this host (unchanged if it names a number)."""
    if cfg.feed.shards != "auto":
        return cfg
    return msgspec.structs.replace(cfg, feed=msgspec.structs.replace(cfg.feed, shards=auto_shards(cfg, cpus)))


def plane_slices(cfg: VioletConfig, plane: str) -> Slices:
    """The plane's assets per shard (index = shard), one slice when the feed is not sharded."""
    p = getattr(cfg, plane)
    assert isinstance(p, PlaneConfig)
    explicit = cfg.feed.shard_assets.get(plane)  # type: ignore[call-overload]
    if explicit is not None:
        return tuple(tuple(s) for s in explicit)
    return deal(p.assets, shard_count(cfg))


def check_shards(cfg: VioletConfig, *, file: str) -> None:
    """Explicit slices must be `shards` disjoint, non-empty lists covering exactly the plane's assets; dealt slices
    must leave no shard empty."""
    if cfg.feed.shards == "auto":
        if cfg.feed.shard_assets:
            raise ConfigError(file, "feed.shard_assets", 'listed slices need a number of shards, not "auto"')
        if not cfg.feed.spawn and any(p.adapter in REMOTE_ADAPTERS for p in (cfg.alpha, cfg.venue)):
            raise ConfigError(file, "feed.shards", AUTO_NEEDS_SPAWN)
        return  # counted from the resolved assets: never more shards than assets
    shards = shard_count(cfg)
    for plane in ("alpha", "venue"):
        p = getattr(cfg, plane)
        explicit = cfg.feed.shard_assets.get(plane)
        key = f"feed.shard_assets.{plane}"
        if explicit is not None:
            if len(explicit) != shards:
                raise ConfigError(file, key, f"{len(explicit)} lists for {shards} shards (feed.shards)")
            flat = [a for s in explicit for a in s]
            if any(not s for s in explicit):
                raise ConfigError(file, key, "a shard with no assets")
            if len(flat) != len(set(flat)):
                raise ConfigError(file, key, "an asset in more than one shard")
            if set(flat) != set(p.assets):
                missing, extra = sorted(set(p.assets) - set(flat)), sorted(set(flat) - set(p.assets))
                raise ConfigError(file, key, f"must cover {plane}.assets exactly (missing {missing}, extra {extra})")
        elif shards > len(p.assets) and p.adapter in REMOTE_ADAPTERS:
            raise ConfigError(file, "feed.shards", f"{shards} shards for {len(p.assets)} {plane} assets")
