"""The `history` adapter: the port over a recording (a NautilusTrader catalog made by `violet record --catalog`),
replayed at the recorded pace, N times faster, or as fast as possible, on recorded time."""

from violet.adapters.history.clocks import PacedClock, SteppedClock
from violet.adapters.history.feed import HistoryPriceFeed
from violet.adapters.history.records import recorded_assets
from violet.adapters.history.replay import HistoryReplay

__all__ = ["HistoryPriceFeed", "HistoryReplay", "PacedClock", "SteppedClock", "recorded_assets"]
