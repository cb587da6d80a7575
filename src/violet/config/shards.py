"""Which assets each feed shard publishes: `[feed] shards = N` deals a plane's assets out in config order (the
busiest names, listed first by convention, land on different shards), or `[feed.shard_assets]` lists them.
`shards = "auto"` is counted from the assets the config names (after a universe rule is resolved), never from the
host, so a reactor and feed processes on other machines agree on it."""

from __future__ import annotations

from collections.abc import Sequence

from violet.config.errors import ConfigError
from violet.config.schema import MAX_SHARDS, PlaneConfig, VioletConfig

Slices = tuple[tuple[str, ...], ...]


def deal(assets: Sequence[str], shards: int) -> Slices:
    return tuple(tuple(assets[i::shards]) for i in range(shards))


def shard_count(cfg: VioletConfig) -> int:
    """`[feed] shards`, with `"auto"` counted: one shard per `assets_per_shard` assets of the largest remote plane."""
    shards = cfg.feed.shards
    if shards != "auto":
        return shards
    remote = [len(p.assets) for p in (cfg.alpha, cfg.venue) if p.adapter in ("remote_shm", "remote_hz")]
    return max(1, min(MAX_SHARDS, -(-max(remote, default=1) // cfg.feed.assets_per_shard)))


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
    if cfg.feed.shards == "auto" and cfg.feed.shard_assets:
        raise ConfigError(file, "feed.shard_assets", 'listed slices need a number of shards, not "auto"')
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
        elif shards > len(p.assets) and p.adapter in ("remote_shm", "remote_hz"):
            raise ConfigError(file, "feed.shards", f"{shards} shards for {len(p.assets)} {plane} assets")
