"""Delivery machinery shared by adapters (not an adapter itself): fan-out, conflation, freshness."""

from violet.delivery.carriers import Stream, streams_of
from violet.delivery.conflating_stream import ConflatingStream
from violet.delivery.counters import MutableCounters
from violet.delivery.hub_backed import HubBackedFeed
from violet.delivery.hub_factory import hub_for
from violet.delivery.remote_feed import RemoteFeed
from violet.delivery.remote_settings import RemotePlaneSettings
from violet.delivery.tick_hub import TickHub

__all__ = [
    "ConflatingStream",
    "HubBackedFeed",
    "MutableCounters",
    "RemoteFeed",
    "RemotePlaneSettings",
    "Stream",
    "TickHub",
    "hub_for",
    "streams_of",
]
