"""Venue plane: BingX perpetual swap through violet's own WebSocket client."""

from violet.adapters.bingx.feed import BingxPriceFeed
from violet.adapters.bingx.settings import Backoff, BingxSettings
from violet.adapters.bingx.shard import SubscriptionRefused

__all__ = ["Backoff", "BingxPriceFeed", "BingxSettings", "SubscriptionRefused"]
