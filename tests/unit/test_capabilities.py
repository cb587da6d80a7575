"""Which optional capabilities each adapter offers beyond the port (checked on unstarted adapters)."""

from __future__ import annotations

from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.ports import AssetCoverage, BridgeLatency, RejectionReasons, VenuePriceFeedPort

ASSETS = ("BTCUSDT-PERP",)


def test_each_adapter_offers_the_capabilities_it_can_answer() -> None:
    feeds: dict[str, object] = {
        "nt_binance": NtBinancePriceFeed(NtBinanceSettings(assets=ASSETS)),
        "bingx": BingxPriceFeed(BingxSettings(assets=ASSETS)),
        "remote_shm": RemoteShmPriceFeed(RemoteShmSettings(bridge="x", venue="binance", assets=ASSETS)),
        "remote_hz": RemoteHzPriceFeed(
            RemoteHzSettings(map_name="m", venue="binance", assets=ASSETS, cluster_name="c", members=())
        ),
        "in_memory": InMemoryPriceFeed(InMemoryVenue(ASSETS), name="binance"),
    }
    offered = {
        name: {
            cap.__name__
            for cap in (VenuePriceFeedPort, RejectionReasons, AssetCoverage, BridgeLatency)
            if isinstance(feed, cap)
        }
        for name, feed in feeds.items()
    }
    assert offered == {
        "nt_binance": {"VenuePriceFeedPort", "RejectionReasons", "AssetCoverage"},
        "bingx": {"VenuePriceFeedPort", "RejectionReasons", "AssetCoverage"},
        "remote_shm": {"VenuePriceFeedPort", "RejectionReasons", "BridgeLatency"},
        "remote_hz": {"VenuePriceFeedPort", "RejectionReasons", "BridgeLatency"},
        "in_memory": {"VenuePriceFeedPort", "RejectionReasons"},
    }
