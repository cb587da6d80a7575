"""BingX perpetual-swap wire simulator (`/swap-market` WebSocket with gzip frames, swap REST quotes)."""

from violet.sim.bingx import frames
from violet.sim.bingx.config import BingxSimConfig
from violet.sim.bingx.simulator import BingxSimulator

__all__ = ["BingxSimConfig", "BingxSimulator", "frames"]
