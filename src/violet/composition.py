"""The one composition root: config in, wired but unstarted objects out. Nothing connects here.

Adapter modules are imported lazily, so a reactor that never uses NautilusTrader never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import attrs
import msgspec

from violet.config import PlaneConfig, VioletConfig, plane_slices, shard_count
from violet.config.shards import REMOTE_ADAPTERS
from violet.defaults import ms_to_ns
from violet.domain import Clock, SystemClock
from violet.extras import require
from violet.ports import VenuePriceFeedPort

if TYPE_CHECKING:
    from violet.adapters.nt_binance.instrument_file import InstrumentFile

Service = Callable[[], Coroutine[Any, Any, None]]
"""Something that must run beside the feeds for them to have data (a synthetic market)."""
Plane = Literal["alpha", "venue"]
PLANE_VENUE: dict[Plane, str] = {"alpha": "binance", "venue": "bingx"}
SOURCE_ADAPTER: dict[Plane, str] = {"alpha": "nt_binance", "venue": "bingx"}
"""The adapter `build_source` reads each plane's venue with."""


@attrs.frozen(kw_only=True)
class App:
    alpha: VenuePriceFeedPort
    venue: VenuePriceFeedPort
    services: tuple[Service, ...] = ()
    clock: Clock = attrs.field(factory=SystemClock)


class PlaneFreshness(TypedDict):
    """What every adapter's settings take from its plane's config, the same way."""

    staleness_budget_ns: int
    venue_clock_skew_ns: int | None
    asset_budgets_ns: dict[str, int]
    silent_after_ns: dict[str, int]
    ready_timeout_s: float


def plane_freshness(p: PlaneConfig) -> PlaneFreshness:
    return PlaneFreshness(
        staleness_budget_ns=ms_to_ns(p.staleness_budget_ms),
        venue_clock_skew_ns=ms_to_ns(p.venue_clock_skew_ms),
        asset_budgets_ns=asset_budgets(p),
        silent_after_ns=silent_after(p),
        ready_timeout_s=p.ready_timeout_s,
    )


def asset_budgets(p: PlaneConfig) -> dict[str, int]:
    return {asset: ms_to_ns(ms) for asset, ms in p.budget_ms.items()}


def silent_after(p: PlaneConfig) -> dict[str, int]:
    return {kind: ms_to_ns(ms) for kind, ms in p.silent_after_ms.items()}


def shm_bridge_name(cfg: VioletConfig, plane: Plane) -> str:
    return f"{cfg.bridge.shm_prefix}-{plane}"


def build_source(
    plane: Plane, cfg: VioletConfig, clock: Clock, *, on_signal: Callable[[], None] | None = None
) -> VenuePriceFeedPort:
    """The adapter that reads a plane's venue directly (in-process, or inside `violet feed`)."""
    p = getattr(cfg, plane)
    assert isinstance(p, PlaneConfig)
    if plane == "alpha":
        require("binance", "the alpha plane read from Binance (nt_binance)")
        from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings

        return NtBinancePriceFeed(
            NtBinanceSettings(
                assets=tuple(p.assets),
                base_url_http=cfg.binance.http_url,
                base_url_ws=cfg.binance.ws_url,
                **plane_freshness(p),
                subscribe_per_s=cfg.binance.subscribe_per_s,
                trade_stream=cfg.binance.trades,
                instrument_file=instrument_file(cfg),
            ),
            clock=clock,
            on_signal=on_signal,
        )
    require("bingx", "the venue plane read from BingX (bingx)")
    from violet.adapters.bingx import BingxPriceFeed, BingxSettings

    b = cfg.bingx
    return BingxPriceFeed(
        BingxSettings(
            assets=tuple(p.assets),
            base_url_http=b.http_url,
            ws_url=b.ws_url,
            **plane_freshness(p),
            topics_per_socket=b.topics_per_socket,
            subscribe_per_s=b.subscribe_per_s,
            subscribe_scope=b.subscribe_scope,
            max_sockets=b.max_sockets,
            stall_after_s={str(k): v for k, v in b.stall_after_s.items()},
            ssl_ca_file=b.ca_file,
            quote_source=b.quote_source,
            on_refused_topic=b.on_refused_topic,
        ),
        clock=clock,
    )


def instrument_file(cfg: VioletConfig) -> InstrumentFile | None:
    """The NT adapter's instrument file, when the config names one."""
    if not cfg.binance.instrument_file:
        return None
    from pathlib import Path

    from violet.adapters.nt_binance.instrument_file import InstrumentFile

    return InstrumentFile(
        path=Path(cfg.binance.instrument_file).expanduser(),
        on_refused=cfg.binance.on_exchange_info_refused,
        max_age_h=cfg.binance.instrument_file_max_age_h,
    )


def build_plane(plane: Plane, cfg: VioletConfig, clock: Clock) -> tuple[VenuePriceFeedPort, tuple[Service, ...]]:
    p = getattr(cfg, plane)
    assert isinstance(p, PlaneConfig)
    match p.adapter:
        case "in_memory":
            from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue, SyntheticMarket

            venue = InMemoryVenue(tuple(p.assets))
            seed = cfg.synthetic.seed + (0 if plane == "alpha" else 1)
            market = SyntheticMarket(venue, rate_hz=cfg.synthetic.rate_hz, seed=seed)
            feed = InMemoryPriceFeed(
                venue,
                name=PLANE_VENUE[plane],
                staleness_budget_ns=ms_to_ns(p.staleness_budget_ms),
                clock=clock,
                asset_budgets_ns=asset_budgets(p),
                silent_after_ns=silent_after(p),
            )
            return feed, (market.run,)
        case "remote_shm":
            from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings

            settings = RemoteShmSettings(
                bridge=shm_bridge_name(cfg, plane),
                venue=PLANE_VENUE[plane],
                assets=tuple(p.assets),
                **plane_freshness(p),
                heartbeat_timeout_ns=ms_to_ns(cfg.bridge.heartbeat_timeout_ms),
                spin=cfg.bridge.shm_spin,
                shards=plane_slices(cfg, plane),
            )
            return RemoteShmPriceFeed(settings, clock=clock), ()
        case "remote_hz":
            require("hazelcast", f"the {plane} plane read from Hazelcast (remote_hz)")
            from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
            from violet.bridges.hz_publisher import map_name

            hz = RemoteHzSettings(
                map_name=map_name(cfg.bridge.shm_prefix, plane),
                venue=PLANE_VENUE[plane],
                assets=tuple(p.assets),
                cluster_name=cfg.bridge.hz_cluster,
                members=tuple(cfg.bridge.hz_members),
                **plane_freshness(p),
                heartbeat_timeout_ns=ms_to_ns(cfg.bridge.heartbeat_timeout_ms),
                shards=plane_slices(cfg, plane),
                writer_clock_skew_ns=ms_to_ns(cfg.bridge.hz_clock_skew_ms),
            )
            return RemoteHzPriceFeed(hz, clock=clock), ()
        case "history":
            raise AssertionError("history planes are built together, by build_app")
        case "nt_binance" | "bingx":
            if (plane, p.adapter) not in (("alpha", "nt_binance"), ("venue", "bingx")):
                from violet.config import ConfigError

                raise ConfigError("<config>", f"{plane}.adapter", f"{p.adapter!r} does not serve the {plane} plane")
            return build_source(plane, cfg, clock), ()


def shard_config(cfg: VioletConfig, shard: int) -> VioletConfig:
    """The config a feed shard runs with: each remote plane's assets cut to the shard's slice."""
    shards = shard_count(cfg)
    if not 0 <= shard < shards:
        from violet.config import ConfigError

        raise ConfigError("<config>", "feed.shards", f"shard {shard} of {shards} does not exist")
    planes = {plane: getattr(cfg, plane) for plane in remote_planes(cfg)}
    return msgspec.structs.replace(
        cfg,
        feed=msgspec.structs.replace(cfg.feed, shards=shards),  # counted on the whole plane, not the slice
        **{
            plane: msgspec.structs.replace(p, assets=list(plane_slices(cfg, plane)[shard]))
            for plane, p in planes.items()
        },
    )


def remote_planes(cfg: VioletConfig) -> list[Plane]:
    """Planes a `violet feed` process must publish."""
    return [plane for plane in ("alpha", "venue") if getattr(cfg, plane).adapter in REMOTE_ADAPTERS]


def build_history(cfg: VioletConfig) -> App:
    """Both planes from one recording, on its recorded clock (the replay is the service that feeds them)."""
    from pathlib import Path

    from violet.adapters.history import FrameSource, HistoryPriceFeed, HistoryReplay

    h = cfg.history
    planes: tuple[tuple[Plane, PlaneConfig], ...] = (("alpha", cfg.alpha), ("venue", cfg.venue))
    if h.catalog:
        replay = HistoryReplay(Path(h.catalog).expanduser(), speed=h.speed, follow=h.follow)
    else:
        files = {"BINANCE": h.alpha_frames, "BINGX": h.venue_frames}
        source = FrameSource({v: Path(f).expanduser() for v, f in files.items() if f})
        replay = HistoryReplay(None, source=source, speed=h.speed)
    feeds = {
        plane: HistoryPriceFeed(
            replay,
            venue=PLANE_VENUE[plane],
            assets=tuple(p.assets),
            staleness_budget_ns=ms_to_ns(p.staleness_budget_ms),
            asset_budgets_ns=asset_budgets(p),
            silent_after_ns=silent_after(p),
            venue_clock_skew_ns=ms_to_ns(p.venue_clock_skew_ms),
        )
        for plane, p in planes
    }
    return App(alpha=feeds["alpha"], venue=feeds["venue"], services=(replay.run,), clock=replay.clock)


def build_app(cfg: VioletConfig, *, clock: Clock | None = None) -> App:
    if cfg.alpha.adapter == "history":
        return build_history(cfg)
    clock = clock or SystemClock()
    alpha, alpha_services = build_plane("alpha", cfg, clock)
    venue, venue_services = build_plane("venue", cfg, clock)
    return App(alpha=alpha, venue=venue, services=alpha_services + venue_services, clock=clock)
