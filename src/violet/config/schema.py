"""The typed schema of `violet.toml`. Unknown keys are errors, not silently ignored."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from violet import defaults as d

MAX_SHARDS = 16
Asset = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{2,30}-PERP$")]
PositiveMs = Annotated[float, msgspec.Meta(gt=0)]
Url = Annotated[str, msgspec.Meta(pattern=r"^(https?|wss?)://[^\s]+$")]

AdapterName = Literal["in_memory", "nt_binance", "bingx", "remote_shm", "remote_hz", "history"]
"""`nt_binance` (alpha, in-process on the shared loop), `bingx` (venue, in-process), `remote_shm` (either plane,
fed by a `violet feed` process through shared memory), `remote_hz` (either plane, through Hazelcast),
`in_memory` (synthetic, for demos and tests), `history` (a recording, `[history]`; both planes or neither)."""

DEFAULT_ASSETS = ["BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    pass


class PlaneConfig(Strict, frozen=True):
    """`[alpha]` (Binance USD-M) and `[venue]` (BingX swap): which adapter serves the plane, and how freshness is
    judged."""

    adapter: AdapterName
    """Required. `nt_binance` (alpha only), `bingx` (venue only), `remote_shm` or `remote_hz` (either plane, fed by
    `violet feed`), `in_memory` (a synthetic market), `history` (a recording: both planes or neither)."""
    assets: list[Asset] = msgspec.field(default_factory=lambda: list(DEFAULT_ASSETS))
    """Canonical ids (`BTCUSDT-PERP`): the plane serves these; one the venue does not list is reported missing."""
    staleness_budget_ms: PositiveMs = d.VENUE_STALENESS_BUDGET_MS
    """How old a price may be and still be fresh (by its own age, and by the venue's stamp plus the skew allowance);
    the alpha plane's embedded default is 1,000 ms too."""
    venue_clock_skew_ms: Annotated[float, msgspec.Meta(ge=0)] = d.VENUE_CLOCK_SKEW_MS
    """A tick older than the budget plus this by the venue's own timestamp is never fresh (in_memory: unused)."""
    budget_ms: dict[Asset, PositiveMs] = msgspec.field(default_factory=dict)
    """Per-asset staleness budgets (`[venue.budget_ms] "XYZUSDT-PERP" = 5000`): a quiet name's quotes come seconds
    apart and are still the market; the plane's budget applies to the rest."""
    silent_after_ms: dict[Literal["quote", "trade"], PositiveMs] = msgspec.field(
        default_factory=lambda: {"quote": d.SILENT_AFTER_MS["quote"], "trade": d.SILENT_AFTER_MS["trade"]}
    )
    """A stream of one asset and kind silent this long while the venue's others flow is reported (silent-stream)."""
    ready_timeout_s: PositiveMs = d.READY_TIMEOUT_S
    """Entering the plane waits at most this long for every asset to be confirmed upstream (else FeedNotReady)."""


class BinanceConfig(Strict, frozen=True):
    """Where the alpha plane's NautilusTrader client connects (the real venue unless overridden).

    API credentials never live here: BINANCE_FUTURES_API_KEY / BINANCE_FUTURES_API_SECRET (or *_FILE)."""

    http_url: Url = d.BINANCE_HTTP
    """Binance USD-M REST base (exchangeInfo at start)."""
    ws_url: Url = d.BINANCE_WS
    """Binance USD-M WebSocket base; violet routes a host given without a route as Binance does (`/public`,
    `/market`)."""
    subscribe_per_s: Annotated[float, msgspec.Meta(gt=0, le=10)] = d.BINANCE_SUBSCRIBE_PER_S
    """SUBSCRIBE frames per second per connection (Binance closes a connection over 10 incoming messages a
    second)."""
    instrument_file: str = ""
    """Where every successful start keeps Binance's exchangeInfo (empty: nowhere), for `on_exchange_info_refused`."""
    on_exchange_info_refused: Literal["fail", "use-file", "use-file-any-age"] = "fail"
    """When exchangeInfo is refused (HTTP 451, a region block): fail, or start from `instrument_file` if it is at
    most `instrument_file_max_age_h` old (or of any age); the fallback logs the file's age."""
    instrument_file_max_age_h: Annotated[float, msgspec.Meta(gt=0)] = 24.0
    """The oldest instrument file `use-file` starts from (listings and tick sizes change)."""
    trades: Literal["aggTrade", "trade"] = d.BINANCE_TRADE_STREAM
    """aggTrade: NautilusTrader's trade ticks (market trades only); trade: `@trade` read by violet on the public
    route, carrying Binance's `X`, so ADL and insurance-fund prints are refused (`non-market-trade`)."""


class BingxConfig(Strict, frozen=True):
    """The venue plane's BingX perpetual swap connection."""

    http_url: Url = d.BINGX_HTTP
    """BingX REST base (the contract list at start)."""
    ws_url: Url = d.BINGX_WS
    """BingX swap market WebSocket (gzip frames, Ping/Pong)."""
    topics_per_socket: Annotated[int, msgspec.Meta(ge=2, le=200)] = d.BINGX_TOPICS_PER_SOCKET
    """Topics per socket (an asset is two: its quotes and its trades); each socket is a carrier of its own assets."""
    subscribe_per_s: Annotated[float, msgspec.Meta(gt=0, le=10)] = d.BINGX_SUBSCRIBE_PER_S
    """Subscribe requests in any one second per socket (the venue asks for fewer than 10)."""
    subscribe_scope: d.BingxSubscribeScope = d.BINGX_SUBSCRIBE_SCOPE
    """`socket`: `subscribe_per_s` per socket, sockets subscribe in parallel; `ip`: the whole plane's (one window for
    every socket), for a venue that counts per IP. Unsettled on the live venue: see docs/venues.md."""
    max_sockets: Annotated[int, msgspec.Meta(ge=1, le=d.BINGX_MAX_SOCKETS)] = d.BINGX_MAX_SOCKETS
    """Sockets this plane may open (BingX allows 60 per IP, across every process on it): more topics than
    `topics_per_socket` x `max_sockets` make larger shards (at most 200 topics each)."""
    stall_after_s: dict[d.BingxChannel, PositiveMs] = msgspec.field(default_factory=lambda: dict(d.BINGX_STALL_AFTER_S))
    """Per channel violet subscribes (`bookTicker`, `trade`, `incrDepth`, `depth5@500ms`): data silent this long on a
    socket replaces it (the shortest among its topics decides). Another key is refused, not ignored."""
    ca_file: str | None = None
    """A CA bundle to trust for BingX's TLS (a simulator's); unset: the system's."""
    quote_source: d.BingxQuoteSource = d.BINGX_QUOTE_SOURCE
    """Where venue quotes come from: `book` (a local book from @incrDepth), `bookTicker` (pushed on top change
    only, seconds apart on the live venue), `depth5` (five-level snapshots). The measurement: docs/guarantees.md."""
    on_refused_topic: d.OnRefusedTopic = d.BINGX_ON_REFUSED_TOPIC
    """A topic BingX refuses at start (any non-zero ack code): `fail` (the plane does not start; the error names
    the assets, topics and codes) or `drop-asset` (its asset leaves the plane, reported like a missing contract)."""


class BridgeConfig(Strict, frozen=True):
    """How remote planes travel from `violet feed` to the reactor (shared memory on one host, Hazelcast across
    hosts)."""

    shm_prefix: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,32}$")] = "violet"
    """Names the bridge: shared-memory tables `violet-<prefix>-<plane>...`, Hazelcast maps likewise."""
    heartbeat_ms: PositiveMs = d.HEARTBEAT_MS
    """How often a feed shard beats while its source delivers."""
    heartbeat_timeout_ms: PositiveMs = d.HEARTBEAT_TIMEOUT_MS
    """A shard silent this long is down: its assets read FEED_DOWN until it beats and delivers again."""
    shm_spin: bool = False
    """remote_shm readers poll on every event-loop pass instead of waiting for a wake-up (burns a core)."""
    hz_cluster: str = "violet"
    """The Hazelcast cluster name."""
    hz_members: list[str] = msgspec.field(default_factory=lambda: ["127.0.0.1:5701"])
    """Hazelcast members to connect to (`host:port`)."""
    hz_clock_skew_ms: Annotated[float, msgspec.Meta(ge=0)] = d.HZ_WRITER_CLOCK_SKEW_MS
    """How far the feed hosts' wall clocks may be from the reader's: a tick's time in the feed and Hazelcast counts as
    its age beyond this allowance."""


class FeedConfig(Strict, frozen=True):
    """`violet feed`: the processes that own NautilusTrader's loop and publish remote planes."""

    health_interval_s: PositiveMs = 5.0
    """How often a feed process logs its planes' state and counters."""
    spawn: bool = True
    """`violet run` / `open_planes` start the `violet feed` children for the remote planes; false when the feed runs
    as its own service (the systemd units in deploy/) or on other hosts (Hazelcast)."""
    shards: Annotated[int, msgspec.Meta(ge=1, le=MAX_SHARDS)] | Literal["auto"] = 1
    """Feed processes (`violet feed --shard I`), each publishing a disjoint slice of every remote plane's assets with
    its own NautilusTrader node and sockets: one process is the alpha plane's ceiling under bursts. `"auto"`: one per
    `assets_per_shard` assets of the largest remote plane (counted once the universe is resolved), no more than the
    host's cores, at most 16; counted by the process that starts the feeds (so `spawn` must be true)."""
    assets_per_shard: Annotated[int, msgspec.Meta(ge=1)] = d.ASSETS_PER_FEED_SHARD
    """With `shards = "auto"`: how many assets one feed process takes (docs/benchmarks.md, the whole market)."""
    shard_assets: dict[Literal["alpha", "venue"], list[list[Asset]]] = msgspec.field(default_factory=dict)
    """Explicit slices per plane (one list per shard); else a plane's assets are dealt out in config order."""


class SimulatorsConfig(Strict, frozen=True):
    """Local wire simulators of both venues; when enabled, the planes' venue URLs point at them."""

    enabled: bool = False
    """Start both simulators (the embedded defaults do; a file means the real venues unless it says so)."""
    symbols: Annotated[int, msgspec.Meta(ge=1, le=200)] = 5
    """Simulated perpetuals per venue."""
    rate_hz: PositiveMs = 200.0
    """Market events per second per venue."""
    seed: int = 1
    """The market's seed."""
    tls: bool = False
    """Serve https/wss with a CA generated at start (NautilusTrader cannot use it: its TLS trusts built-in roots)."""
    profile: Literal["live", "uniform"] = "live"
    """live: both simulators as the venues were measured (shared market, BingX cadences and incremental book,
    Binance route categories); uniform: a fixed-rate random walk (benchmarks)."""


class SyntheticMarketConfig(Strict, frozen=True):
    """Drives `in_memory` planes with a seeded random walk."""

    rate_hz: Annotated[float, msgspec.Meta(gt=0, le=100_000)] = 50.0
    """Updates per second across the assets."""
    seed: int = 7
    """The walk's seed."""


class HistoryConfig(Strict, frozen=True):
    """What `history` planes replay: a catalog made by `violet record --catalog`, or raw frames made by
    `violet record` (one file per plane)."""

    catalog: str = ""
    """The catalog's directory (with the history adapter: this, or the frame files)."""
    alpha_frames: str = ""
    """Raw Binance frames recorded by `violet record --plane alpha` (instead of a catalog)."""
    venue_frames: str = ""
    """Raw BingX frames recorded by `violet record --plane venue` (instead of a catalog)."""
    speed: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    """1: the recorded pace; N: N times faster; 0: as fast as possible (recorded time still drives every age)."""
    follow: bool = False
    """Follow a recording still being written (as its files appear) instead of replaying a finished one."""


class UniverseConfig(Strict, frozen=True):
    """`[universe]`: the planes' assets selected from the venues' own listings at start, instead of named."""

    select: Literal["", "usdt-perpetuals"] = ""
    """`usdt-perpetuals`: every USDT-margined perpetual in trading (filtered by the keys below); "" (the default):
    each plane serves its `assets`. A selection replaces both planes' `assets`."""
    venues: Literal["both", "alpha", "venue"] = "both"
    """`both`: names listed on Binance and BingX (a lead/lag scanner's universe); `alpha` or `venue`: that venue's
    names (the other plane serves those of them its venue lists)."""
    underlying: list[str] = msgspec.field(default_factory=lambda: ["COIN"])
    """Binance `underlyingType`s taken (`COIN`: crypto; it also lists `EQUITY`, `COMMODITY`, `INDEX`, `FX`,
    `PREMARKET`, ...); empty: any."""
    min_quote_volume: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    """24 h quote volume floor (USDT). With `both`, a name's volume is the smaller of its two venues'."""
    top: Annotated[int, msgspec.Meta(ge=0)] = 0
    """Keep the N names of largest 24 h quote volume (0: every name that passes)."""
    refresh_s: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    """Re-read the venues' listings this often while running (0: at start only): an asset its venue lists no more
    reads `DELISTED`; a new name that passes the rule is subscribed while running (in-process planes, and shared-memory
    remote planes through their feed shards), else reported until a restart (docs/venues.md)."""


class VioletConfig(Strict, frozen=True):
    """`violet.toml`: every table is optional; a key not listed here is an error."""

    alpha: PlaneConfig = msgspec.field(
        default_factory=lambda: PlaneConfig(adapter="remote_shm", staleness_budget_ms=d.ALPHA_STALENESS_BUDGET_MS)
    )
    venue: PlaneConfig = msgspec.field(default_factory=lambda: PlaneConfig(adapter="bingx"))
    binance: BinanceConfig = msgspec.field(default_factory=BinanceConfig)
    bingx: BingxConfig = msgspec.field(default_factory=BingxConfig)
    bridge: BridgeConfig = msgspec.field(default_factory=BridgeConfig)
    feed: FeedConfig = msgspec.field(default_factory=FeedConfig)
    simulators: SimulatorsConfig = msgspec.field(default_factory=SimulatorsConfig)
    synthetic: SyntheticMarketConfig = msgspec.field(default_factory=SyntheticMarketConfig)
    history: HistoryConfig = msgspec.field(default_factory=HistoryConfig)
    universe: UniverseConfig = msgspec.field(default_factory=UniverseConfig)


def replay_config(catalog: str, assets: list[str], *, speed: float = 0.0) -> VioletConfig:
    """Both planes from the recording at `catalog` (as fast as possible by default): what a study or a bench reads."""
    return VioletConfig(
        alpha=PlaneConfig(adapter="history", assets=assets),
        venue=PlaneConfig(adapter="history", assets=assets),
        history=HistoryConfig(catalog=catalog, speed=speed),
    )


EMBEDDED = VioletConfig(simulators=SimulatorsConfig(enabled=True))
"""What `violet run` uses with no --config: both simulators, NT Binance in a `violet feed` process delivering
alpha through shared memory, BingX in-process for the venue plane."""
