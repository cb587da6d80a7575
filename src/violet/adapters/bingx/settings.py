"""Settings of the BingX adapter (built by the composition root from config; defaults from `violet.defaults`)."""

from __future__ import annotations

import attrs

from violet import defaults as d
from violet.delivery.silence import default_silent_after_ns


@attrs.frozen
class Backoff:
    """Waits between reconnect attempts: exponential from `initial_s` up to `max_s`, plus up to `jitter_s`."""

    initial_s: float = 0.1
    max_s: float = 5.0
    jitter_s: float = 0.25
    healthy_after_s: float = 10.0
    """A session that delivered data this long proves the venue serves: only then do the waits start again from
    `initial_s`. Any shorter one (a close soon after subscribing, unanswered subscriptions, a stall) lets them keep
    growing, so a venue that accepts and closes every socket gets exponentially spaced attempts. Ten seconds is the
    ack timeout: a session that outlived its subscriptions' answers with data flowing was a real one."""


@attrs.frozen(kw_only=True)
class BingxSettings:
    assets: tuple[str, ...]
    base_url_http: str = d.BINGX_HTTP
    ws_url: str = d.BINGX_WS
    staleness_budget_ns: int = d.ms_to_ns(d.VENUE_STALENESS_BUDGET_MS)
    venue_clock_skew_ns: int | None = d.ms_to_ns(d.VENUE_CLOCK_SKEW_MS)
    """Allowance for the venue clock vs ours; None turns off judging ticks by their `ts_event` (see TickHub)."""
    asset_budgets_ns: dict[str, int] = attrs.field(factory=dict)
    """Per-asset staleness budgets overriding `staleness_budget_ns` (`[<plane>.budget_ms]`)."""
    silent_after_ns: dict[str, int] = attrs.field(factory=default_silent_after_ns)
    """Per kind ("quote", "trade"): nothing this long while the venue's other streams flow is a silent stream."""
    topics_per_socket: int = d.BINGX_TOPICS_PER_SOCKET
    """Topics are sharded across sockets (venue maximum 200); small shards subscribe in parallel."""
    subscribe_per_s: float = d.BINGX_SUBSCRIBE_PER_S
    """Per socket, in any one second (a socket's first requests go at once); the venue asks for fewer than 10."""
    subscribe_scope: d.BingxSubscribeScope = d.BINGX_SUBSCRIBE_SCOPE
    """`ip`: `subscribe_per_s` is the whole plane's, one window shared by every socket."""
    max_sockets: int = d.BINGX_MAX_SOCKETS
    """The most sockets the plane opens; more topics than `topics_per_socket` allows within it make larger shards."""
    stall_after_s: dict[str, float] = attrs.field(factory=lambda: dict(d.BINGX_STALL_AFTER_S))
    """Silence (data frames only; Pings do not count) after which a topic counts as stalled. A socket
    reconnects when its data has been silent longer than the shortest threshold among its topics, so a
    quiet symbol's long threshold does not cause reconnect storms."""
    max_book_lag_ms: int = 30_000
    """A bookTicker whose match time `T` lags its event time `E` by more than this is a stale book."""
    backoff: Backoff = Backoff()
    connect_timeout_s: float = 10.0
    ack_timeout_s: float = 10.0
    ssl_ca_file: str | None = None
    quote_source: d.BingxQuoteSource = d.BINGX_QUOTE_SOURCE
    """book (@incrDepth, a local book), bookTicker (pushed on top change only), or depth5 (snapshots): see
    quote_source.py and the docs' measurement (docs/guarantees.md)."""
    refused_retry_s: float = 30.0
    """A topic the venue refuses on a running socket (after a reconnect) is asked for again this often; its streams
    read FEED_DOWN until it is granted."""
    on_refused_topic: d.OnRefusedTopic = d.BINGX_ON_REFUSED_TOPIC
    """A topic the venue refuses at start: `fail` (entering raises FeedNotReady naming it) or `drop-asset` (its asset
    leaves the plane, reported in `missing_assets` like a contract the venue does not list)."""
    ready_timeout_s: float = d.READY_TIMEOUT_S
    """Entering the feed waits at most this long for every asset to be confirmed upstream (else FeedNotReady)."""
