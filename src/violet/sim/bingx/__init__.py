"""BingX perpetual-swap wire simulator (`/swap-market` WebSocket with gzip frames, swap REST quotes)."""

from violet.sim.bingx import frames
from violet.sim.bingx.simulator import BingxSimConfig, BingxSimulator

__all__ = ["BingxSimConfig", "BingxSimulator", "frames"]
