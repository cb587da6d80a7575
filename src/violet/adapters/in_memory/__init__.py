"""In-memory reference adapter: fed by a publisher object, shipped for reactor tests and demos."""

from violet.adapters.in_memory.feed import InMemoryPriceFeed
from violet.adapters.in_memory.synthetic import SyntheticMarket
from violet.adapters.in_memory.venue import InMemoryVenue, RawUpdate

__all__ = ["InMemoryPriceFeed", "InMemoryVenue", "RawUpdate", "SyntheticMarket"]
