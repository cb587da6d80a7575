"""A plane delivered by a `violet feed` process through the single-host shared-memory bridge."""

from violet.adapters.remote_shm.feed import RemoteShmPriceFeed, RemoteShmSettings

__all__ = ["RemoteShmPriceFeed", "RemoteShmSettings"]
