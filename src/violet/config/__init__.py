"""Configuration: the typed schema of `violet.toml` and its loader."""

from violet.config.errors import ConfigError
from violet.config.loader import EMBEDDED_DEFAULTS, dump_config, load_config, parse_config
from violet.config.schema import (
    EMBEDDED,
    BinanceConfig,
    BingxConfig,
    BridgeConfig,
    FeedConfig,
    PlaneConfig,
    SimulatorsConfig,
    SyntheticMarketConfig,
    UniverseConfig,
    VioletConfig,
)
from violet.config.shards import Slices, auto_shards, plane_slices, resolve_shards, shard_count

__all__ = [
    "EMBEDDED",
    "EMBEDDED_DEFAULTS",
    "BinanceConfig",
    "BingxConfig",
    "BridgeConfig",
    "FeedConfig",
    "SimulatorsConfig",
    "dump_config",
    "ConfigError",
    "PlaneConfig",
    "SyntheticMarketConfig",
    "UniverseConfig",
    "VioletConfig",
    "load_config",
    "parse_config",
    "auto_shards",
    "plane_slices",
    "resolve_shards",
    "shard_count",
    "Slices",
]
