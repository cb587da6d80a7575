"""What the NautilusTrader-facing tests adapt to the installed major (scripts/nt-compat runs them on other releases).

On 2.0 the Binance simulator is reached as `fstream.binance.com` (see `violet.bench.sim_process.binance_ws_url`:
scripts/nt-compat runs these tests in a private mount namespace whose /etc/hosts maps that name to 127.0.0.1).
"""

from __future__ import annotations

from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.adapters.nt_binance.build import nt_major
from violet.bench.sim_process import binance_ws_url as _binance_ws_url
from violet.secrets import Secret
from violet.sim.binance import BinanceSimulator


def binance_ws_url(sim_ws_url: str) -> str:
    """The simulator's WebSocket URL as the installed NautilusTrader must be given it."""
    return sim_ws_url if nt_major() < 2 else _binance_ws_url(sim_ws_url)


def confirms_by_first_tick() -> bool:
    """2.0 exposes no SUBSCRIBE acks: a stream is confirmed by its first tick, so a quiet test venue must send one."""
    return nt_major() >= 2


def feed_over_every_instrument(sim: BinanceSimulator) -> NtBinancePriceFeed:
    """The NT Binance adapter over every instrument the simulator lists, with placeholder keys (the drift checks')."""
    return NtBinancePriceFeed(
        NtBinanceSettings(
            assets=tuple(i.canonical for i in sim.instruments),
            base_url_http=sim.http_url,
            base_url_ws=binance_ws_url(sim.ws_url),
            api_key=Secret("placeholder"),
            api_secret=Secret("placeholder"),
        )
    )
