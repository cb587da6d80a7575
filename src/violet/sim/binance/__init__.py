"""Binance USD-M futures wire simulator (`fapi` REST and `fstream` WebSocket, public market data)."""

from violet.sim.binance import frames
from violet.sim.binance.config import BinanceSimConfig
from violet.sim.binance.simulator import BinanceSimulator

__all__ = ["BinanceSimConfig", "BinanceSimulator", "frames"]
