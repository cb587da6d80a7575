"""Settings of the NT Binance adapter (built by the composition root from config and environment)."""

from __future__ import annotations

from typing import Literal

import attrs

from violet import defaults as d
from violet.adapters.nt_binance.instrument_file import InstrumentFile
from violet.delivery.silence import default_silent_after_ns
from violet.secrets import Secret, secret_from_env

PLACEHOLDER_KEY = "violet-placeholder-api-key"
PLACEHOLDER_SECRET = "violet-placeholder-api-secret"  # noqa: S105 - a placeholder, by design


@attrs.frozen(kw_only=True)
class NtBinanceSettings:
    assets: tuple[str, ...]
    base_url_http: str = d.BINANCE_HTTP
    base_url_ws: str = d.BINANCE_WS
    api_key: Secret = attrs.field(factory=lambda: secret_from_env("BINANCE_FUTURES_API_KEY", PLACEHOLDER_KEY))
    api_secret: Secret = attrs.field(factory=lambda: secret_from_env("BINANCE_FUTURES_API_SECRET", PLACEHOLDER_SECRET))
    staleness_budget_ns: int = d.ms_to_ns(d.ALPHA_STALENESS_BUDGET_MS)
    venue_clock_skew_ns: int | None = d.ms_to_ns(d.VENUE_CLOCK_SKEW_MS)
    """Allowance for the venue clock vs ours; None turns off judging ticks by their `ts_event` (see TickHub)."""
    asset_budgets_ns: dict[str, int] = attrs.field(factory=dict)
    """Per-asset staleness budgets overriding `staleness_budget_ns` (`[<plane>.budget_ms]`)."""
    silent_after_ns: dict[str, int] = attrs.field(factory=default_silent_after_ns)
    """Per kind ("quote", "trade"): nothing this long while the venue's other streams flow is a silent stream."""
    stall_after_ns: int = 5_000_000_000
    """No data at all for this long while connected: state `stale` (quiet feeds are not reconnected here)."""
    subscribe_per_s: float = d.BINANCE_SUBSCRIBE_PER_S
    """Most SUBSCRIBE frames per second per connection (each carries many streams, see batching.py); Binance
    allows 10 incoming messages per second per connection, pongs included."""
    ready_timeout_s: float = d.READY_TIMEOUT_S
    """Entering the feed waits at most this long for every asset to be confirmed upstream (else FeedNotReady)."""
    trade_stream: Literal["aggTrade", "trade"] = d.BINANCE_TRADE_STREAM
    """aggTrade: NautilusTrader's trade ticks (its only futures trade stream; market trades only); trade: violet
    reads `@trade` itself on the public route, with Binance's `X` (non-market prints refused)."""
    use_agg_trades: bool = False
    nt_log_level: str = "ERROR"
    instrument_file: InstrumentFile | None = None
    """Where a successful start keeps exchangeInfo, and whether a refused one (HTTP 451) may start from it."""
