"""Settings of the BingX simulator beyond the shared ones: heartbeat, topic and subscribe limits, REST limits."""

from __future__ import annotations

from typing import Literal

import attrs

from violet.sim.engine.config import SimConfig


@attrs.frozen(kw_only=True)
class BingxSimConfig(SimConfig):
    ping_interval_s: float = 5.0
    pong_timeout_s: float = 30.0
    max_topics: int = 200
    subscribe_per_s: int = 10
    """More subscribe/unsubscribe requests than this in one second and the socket is dropped."""
    subscribe_scope: Literal["socket", "ip"] = "socket"
    """Where `subscribe_per_s` is counted: per socket, or across every socket of a client IP (the socket whose
    request goes over is dropped). Unsettled on the live venue (PROTOCOL.md sections 7 and 12): 9/s per socket
    worked, and BingX.Net packs ~10 subscriptions on each of many sockets; "ip" is the strict reading."""
    max_sockets_per_ip: int = 60
    """Open sockets one client IP may hold; the next upgrade is refused with HTTP 429 (documented limit; how the
    live venue refuses the 61st is not observed, PROTOCOL.md section 7)."""
    rest_limit: int = 500
    rest_window_s: float = 10.0
    rest_ban_s: float = 300.0
    leak_refused: bool = True
    """A refused topic (80403) still leaks one data frame, as observed live."""
    paused_symbols: tuple[str, ...] = ()
    """Contracts in status 25: listed over REST, refused (80015) on the socket."""
    lag_ms: int = 300
    """live: BingX reads the shared market this late (it follows Binance; an assumption, kept at the ~300 ms the
    uniform profile's staggered start gave the lead/lag estimator)."""
    btc_top_median_s: float = 1.2
    """live: median gap between BTC-USDT top-of-book changes (measured 0.55-2.7 s); other names scale from it."""
