"""The `history` adapter: the port over a recording (a NautilusTrader catalog made by `violet record --catalog`, or
violet's own raw frames made by `violet record`), replayed at the recorded pace, N times faster, or as fast as
possible, on recorded time."""

from violet.adapters.history.clocks import PacedClock, SteppedClock
from violet.adapters.history.feed import HistoryPriceFeed
from violet.adapters.history.frames import FrameSource
from violet.adapters.history.records import recorded_assets
from violet.adapters.history.replay import HistoryReplay

__all__ = ["FrameSource", "HistoryPriceFeed", "HistoryReplay", "PacedClock", "SteppedClock", "recorded_assets"]
