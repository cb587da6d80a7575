"""What the NautilusTrader-facing tests adapt to the installed major (scripts/nt-compat runs them on other releases).

NautilusTrader 2.0 connects both of its Binance WebSocket clients to the bare `base_url_ws` and maps them onto
Binance's routes (`/public/ws`, `/market/ws`) only for Binance's own hosts. The simulator enforces the routes (its
bare root serves the public streams only, as Binance does), so on 2.0 the tests reach it as `fstream.binance.com`:
scripts/nt-compat runs them in a private mount namespace whose /etc/hosts maps that name to 127.0.0.1 and sets
VIOLET_TEST_BINANCE_WS_HOST. Plain `ws://` (2.0's WebSocket TLS trusts only compiled-in roots, so a local CA is
refused).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from violet.adapters.nt_binance.driver import nt_major

WS_HOST_ENV = "VIOLET_TEST_BINANCE_WS_HOST"


def binance_ws_url(sim_ws_url: str) -> str:
    """The simulator's WebSocket URL as the installed NautilusTrader must be given it."""
    host = os.environ.get(WS_HOST_ENV)
    if nt_major() < 2 or not host:
        return sim_ws_url
    parts = urlsplit(sim_ws_url)
    return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}"))


def confirms_by_first_tick() -> bool:
    """2.0 exposes no SUBSCRIBE acks: a stream is confirmed by its first tick, so a quiet test venue must send one."""
    return nt_major() >= 2
