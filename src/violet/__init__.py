"""violet: normalized, low-latency crypto prices for a trading reactor."""

__version__ = "0.1.0"
