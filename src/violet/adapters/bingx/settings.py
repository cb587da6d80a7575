"""Settings of the BingX adapter (built by the composition root from config)."""

from __future__ import annotations

import attrs

LIVE_HTTP = "https://open-api.bingx.com"
LIVE_WS = "wss://open-api-swap.bingx.com/swap-market"
TOPICS_PER_SOCKET = 6
"""Three assets (bookTicker + trade) a socket. A socket is up once the venue has answered every one of its topics, at
under 10 subscriptions a second: 6 topics take ~0.7 s, so 50 assets are fresh again within 1 s of the venue coming
back (20 topics took 2.2 s). 50 assets take 17 of the 60 sockets an IP may open; more than 180 assets need larger
shards (`[bingx] topics_per_socket`, at most 200)."""


@attrs.frozen(kw_only=True)
class BingxSettings:
    assets: tuple[str, ...]
    base_url_http: str = LIVE_HTTP
    ws_url: str = LIVE_WS
    staleness_budget_ns: int = 2_000_000_000
    venue_clock_skew_ns: int | None = 250_000_000
    """Allowance for the venue clock vs ours; None turns off judging ticks by their `ts_event` (see TickHub)."""
    topics_per_socket: int = TOPICS_PER_SOCKET
    """Topics are sharded across sockets (venue maximum 200); small shards subscribe in parallel."""
    subscribe_per_s: float = 8.0
    """Per socket; the venue asks for fewer than 10 subscriptions a second."""
    stall_after_s: dict[str, float] = attrs.field(factory=lambda: {"bookTicker": 15.0, "trade": 120.0})
    """Silence (data frames only; Pings do not count) after which a topic counts as stalled. A socket
    reconnects when its data has been silent longer than the shortest threshold among its topics, so a
    quiet symbol's long threshold does not cause reconnect storms."""
    max_book_lag_ms: int = 30_000
    """A bookTicker whose match time `T` lags its event time `E` by more than this is a stale book."""
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 5.0
    backoff_jitter_s: float = 0.25
    connect_timeout_s: float = 10.0
    ack_timeout_s: float = 10.0
    ssl_ca_file: str | None = None
    ready_timeout_s: float = 30.0
    """Entering the feed waits at most this long for every asset to be confirmed upstream (else FeedNotReady)."""
