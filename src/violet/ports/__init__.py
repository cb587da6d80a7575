"""Ports: the interfaces reactor code depends on, and the optional capabilities some adapters add."""

from violet.ports.capabilities import (
    AssetAdding,
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
    "AssetAdding",
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
