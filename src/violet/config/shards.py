"""Which assets each feed shard publishes: `[feed] shards = N` deals a plane's assets out in config order (the
busiest names, listed first by convention, land on different shards), or `[feed.shard_assets]` lists them."""

from __future__ import annotations

from collections.abc import Sequence

from violet.config.errors import ConfigError
from violet.config.schema import PlaneConfig, VioletConfig

Slices = tuple[tuple[str, ...], ...]


def deal(assets: Sequence[str], shards: int) -> Slices:
    return tuple(tuple(assets[i::shards]) for i in range(shards))


def plane_slices(cfg: VioletConfig, plane: str) -> Slices:
    """The plane's assets per shard (index = shard), one slice when the feed is not sharded."""
    p = getattr(cfg, plane)
    assert isinstance(p, PlaneConfig)
    explicit = cfg.feed.shard_assets.get(plane)  # type: ignore[call-overload]
    if explicit is not None:
        return tuple(tuple(s) for s in explicit)
    return deal(p.assets, cfg.feed.shards)


def check_shards(cfg: VioletConfig, *, file: str) -> None:
    """Explicit slices must be `shards` disjoint, non-empty lists covering exactly the plane's assets; dealt slices
    must leave no shard empty."""
    for plane in ("alpha", "venue"):
        p = getattr(cfg, plane)
        explicit = cfg.feed.shard_assets.get(plane)
        key = f"feed.shard_assets.{plane}"
        if explicit is not None:
            if len(explicit) != cfg.feed.shards:
                raise ConfigError(file, key, f"{len(explicit)} lists for {cfg.feed.shards} shards (feed.shards)")
            flat = [a for s in explicit for a in s]
            if any(not s for s in explicit):
                raise ConfigError(file, key, "a shard with no assets")
            if len(flat) != len(set(flat)):
                raise ConfigError(file, key, "an asset in more than one shard")
            if set(flat) != set(p.assets):
                missing, extra = sorted(set(p.assets) - set(flat)), sorted(set(flat) - set(p.assets))
                raise ConfigError(file, key, f"must cover {plane}.assets exactly (missing {missing}, extra {extra})")
        elif cfg.feed.shards > len(p.assets) and p.adapter in ("remote_shm", "remote_hz"):
            raise ConfigError(file, "feed.shards", f"{cfg.feed.shards} shards for {len(p.assets)} {plane} assets")
