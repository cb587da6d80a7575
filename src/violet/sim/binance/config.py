"""Settings of the Binance simulator beyond the shared ones: REST weight, bans, credentials, stream limits."""

from __future__ import annotations

from typing import Literal

import attrs

from violet.sim.engine.config import SimConfig


@attrs.frozen(kw_only=True)
class BinanceSimConfig(SimConfig):
    weight_limit: int = 2400
    ban_after_429: int = 3
    ban_s: int = 120
    credentials: tuple[tuple[str, str], ...] = ()
    """Accepted (api_key, secret) pairs. Empty by default: placeholder keys are refused, as by Binance."""
    extra_time_in_force: tuple[str, ...] = ()
    """Extra timeInForce values in exchangeInfo, e.g. ("RPI",) which strict decoders do not know."""
    market_mix: bool = True
    """exchangeInfo lists, beside the simulated USDT perpetuals, what the live one does: quarterlies, USDC-margined
    perpetuals, other underlying types and statuses, names no canonical id can hold (`exchange_info.market_mix`)."""
    stream_limit: int = 1024
    incoming_per_s: int = 10
    routes: Literal["enforced", "lenient"] = "enforced"
    """enforced: as the live venue since 2026-04-23, `/public` serves the public streams (bookTicker, depth*,
    rpiDepth*, trade), `/market` the market streams (aggTrade, markPrice*, kline_*, tickers, ...), the legacy root
    the public ones only; a stream on a route that does not serve it is acknowledged and never sent. lenient: every
    route serves every stream (the simulator before 2026-04)."""
    handshake_delay_ms: tuple[tuple[str, float], ...] = ()
    """(route, ms) pairs: that route ("public", "market", "" for the legacy root) completes a WebSocket handshake
    this much later. Over a real network the two routes' sockets come up tens of ms apart, in either order; on
    loopback they come up together, which hid a readiness bug."""
