"""Venue plane: BingX perpetual swap through violet's own WebSocket client."""

from violet.adapters.bingx.feed import BingxPriceFeed, SubscriptionRefused
from violet.adapters.bingx.settings import Backoff, BingxSettings

__all__ = ["Backoff", "BingxPriceFeed", "BingxSettings", "SubscriptionRefused"]
