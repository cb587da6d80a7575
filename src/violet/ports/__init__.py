"""Ports: the interfaces reactor code depends on, and the optional capabilities some adapters add."""

from violet.ports.capabilities import (
    AssetCoverage,
    BridgeLatency,
    Delisting,
    DeliveryTap,
    LatencyHistogram,
    PlaneHealth,
    RejectionReasons,
    SilentStreams,
    TickTap,
)
from violet.ports.price_feed import TickStream, VenuePriceFeedPort

__all__ = [
    "AssetCoverage",
    "BridgeLatency",
    "DeliveryTap",
    "Delisting",
    "LatencyHistogram",
    "PlaneHealth",
    "RejectionReasons",
    "SilentStreams",
    "TickStream",
    "TickTap",
    "VenuePriceFeedPort",
]
