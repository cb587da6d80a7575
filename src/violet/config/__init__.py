"""Configuration: the typed schema of `violet.toml` and its loader."""

from violet.config.errors import ConfigError
from violet.config.loader import EMBEDDED_DEFAULTS, load_config, parse_config
from violet.config.schema import PlaneConfig, SyntheticMarketConfig, VioletConfig

__all__ = [
    "EMBEDDED_DEFAULTS",
    "ConfigError",
    "PlaneConfig",
    "SyntheticMarketConfig",
    "VioletConfig",
    "load_config",
    "parse_config",
]
