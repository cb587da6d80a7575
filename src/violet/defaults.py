"""Every default a user can see, defined once. The config schema (`violet.config.schema`) takes its field defaults
from here, and so do the adapter settings built without a config (tests, library users): the two cannot disagree.
Imports nothing, so any layer may use it."""

from __future__ import annotations

from typing import Literal

MS = 1_000_000

ALPHA_STALENESS_BUDGET_MS = 1_000.0
"""The alpha plane's quote budget (Binance pushes bookTicker on every change, several a second)."""
VENUE_STALENESS_BUDGET_MS = 1_000.0
"""The venue plane's (BingX) budget. With quotes from the local book (`quote_source = "book"`), BTC-USDT's and
ETH-USDT's quote age had p99 ~340 ms against the simulator's live profile (`violet bench quote-sources`); thin names
are quiet for seconds and need their own budget (`[venue.budget_ms]`, docs/guarantees.md "BingX quote source")."""
VENUE_CLOCK_SKEW_MS = 250.0
READY_TIMEOUT_S = 30.0

BINANCE_HTTP = "https://fapi.binance.com"
BINANCE_WS = "wss://fstream.binance.com"
BINANCE_SUBSCRIBE_PER_S = 8.0
BINANCE_TRADE_STREAM: Literal["aggTrade", "trade"] = "aggTrade"
"""NautilusTrader's own choice for futures; `trade` adds Binance's `X` (violet reads it beside NT)."""

BINGX_HTTP = "https://open-api.bingx.com"
BINGX_WS = "wss://open-api-swap.bingx.com/swap-market"
BINGX_TOPICS_PER_SOCKET = 6
"""Three assets (bookTicker + trade) a socket. A socket is up once the venue has answered every one of its topics, at
under 10 subscriptions a second: 6 topics take ~0.7 s, so 50 assets are fresh again within 1 s of the venue coming
back. 50 assets take 17 of the 60 sockets an IP may open; more than 180 assets need larger shards (at most 200)."""
BINGX_SUBSCRIBE_PER_S = 8.0
BINGX_MAX_SOCKETS = 60
"""BingX's documented limit of sockets per IP (PROTOCOL.md section 7): a plane larger than `topics_per_socket` x 60
topics gets larger shards, never more sockets."""
BINGX_MAX_TOPICS = 200
"""Topics one BingX socket may hold (the 201st is refused with 80403)."""
BingxSubscribeScope = Literal["socket", "ip"]
"""Where BingX counts its subscribe rate: per socket (9/s per socket observed to work) or per IP (the strict reading;
unsettled, PROTOCOL.md section 12). Per IP, every socket of the plane shares one pacing window."""
BINGX_SUBSCRIBE_SCOPE: BingxSubscribeScope = "socket"
BingxChannel = Literal["bookTicker", "trade", "incrDepth", "depth5@500ms"]
"""The BingX channels violet subscribes (quotes from one of bookTicker, incrDepth, depth5@500ms; trades)."""
BINGX_STALL_AFTER_S: dict[BingxChannel, float] = {
    "bookTicker": 15.0,
    "trade": 120.0,
    "incrDepth": 30.0,
    "depth5@500ms": 15.0,
}
BingxQuoteSource = Literal["book", "bookTicker", "depth5"]
"""Where BingX quotes come from: a local book from `@incrDepth`, `@bookTicker` pushes, or `@depth5` snapshots."""
BINGX_QUOTE_SOURCE: BingxQuoteSource = "book"
"""Chosen by measurement against the simulators' live profile (docs/guarantees.md, "BingX quote source")."""
OnRefusedTopic = Literal["fail", "drop-asset"]
"""What a topic the venue refuses at start does: fail entering the plane (FeedNotReady naming it), or drop its asset."""
BINGX_ON_REFUSED_TOPIC: OnRefusedTopic = "fail"

SILENT_AFTER_MS = {"quote": 30_000.0, "trade": 300_000.0}
"""A stream of one asset and kind that delivers nothing this long while its venue's other streams flow is silent.
Long on purpose: on the live venue a thin name's book can be quiet for ~20 s and its trades for minutes."""

HEARTBEAT_MS = 100.0
HEARTBEAT_TIMEOUT_MS = 500.0
HZ_WRITER_CLOCK_SKEW_MS = 20.0
"""How far a Hazelcast feed host's wall clock may be from the reader's (NTP keeps hosts within milliseconds)."""
ASSETS_PER_FEED_SHARD = 100
"""`[feed] shards = "auto"`: assets per NautilusTrader feed process (docs/benchmarks.md, the whole market)."""


def ms_to_ns(ms: float) -> int:
    return round(ms * MS)
