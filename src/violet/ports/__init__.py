"""Ports: the interfaces reactor code depends on."""

from violet.ports.price_feed import TickStream, VenuePriceFeedPort

__all__ = ["TickStream", "VenuePriceFeedPort"]
