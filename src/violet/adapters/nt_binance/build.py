"""The driver (driver.py) for the NautilusTrader installed: 1.231's (node.py) or 2.0's (node_v2.py)."""

from __future__ import annotations

from importlib.metadata import version

from violet.adapters.nt_binance.driver import NodeDriver, NodeSinks
from violet.adapters.nt_binance.settings import NtBinanceSettings


def nt_major() -> int:
    """The installed NautilusTrader's major version (1 or 2)."""
    return int(version("nautilus_trader").split(".", 1)[0])


def build_node(settings: NtBinanceSettings, sinks: NodeSinks) -> NodeDriver:
    """The driver for the installed NautilusTrader, built on the running loop (from the main thread)."""
    if nt_major() >= 2:
        from violet.adapters.nt_binance.node_v2 import NtBinanceNodeV2

        return NtBinanceNodeV2(settings, sinks)
    from violet.adapters.nt_binance.node import NtBinanceNode

    return NtBinanceNode(settings, sinks)
