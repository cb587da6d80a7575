"""A plane delivered by a `violet feed` process through Hazelcast (many hosts)."""

from violet.adapters.remote_hz.feed import RemoteHzPriceFeed, RemoteHzSettings

__all__ = ["RemoteHzPriceFeed", "RemoteHzSettings"]
