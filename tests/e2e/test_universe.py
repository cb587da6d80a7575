"""A `[universe]` rule resolved at start against both simulators' REST listings (Binance lists quarterlies, USDC
contracts, other underlyings and statuses beside its perpetuals; BingX lists fewer names): the planes serve the
top names listed on both, by 24 h quote volume, and every one of them is quoted fresh on both planes; the remote
alpha plane's `shards = "auto"` is counted from the names selected."""

from __future__ import annotations

import os
from typing import Literal

import anyio
import msgspec
import pytest

from tests.support.hz_cluster import HzCluster
from tests.support.waiting import eventually
from violet.api import open_planes
from violet.bridges.shm_table import ShmTableReader
from violet.composition import shm_bridge_name
from violet.config import (
    BinanceConfig,
    BingxConfig,
    BridgeConfig,
    FeedConfig,
    PlaneConfig,
    UniverseConfig,
    VioletConfig,
)
from violet.domain import FeedState, Freshness, TickKind
from violet.feed.listings import owner
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.faults import Fault
from violet.universe import ListingsUnavailable, fetch_listings, selection_of

pytestmark = pytest.mark.anyio


async def test_the_planes_serve_the_top_names_listed_on_both_venues_and_quote_every_one() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=20, rate_hz=400)) as bn,
        BingxSimulator(BingxSimConfig(symbols=12, rate_hz=400, subscribe_per_s=100)) as bx,
    ):
        cfg = VioletConfig(
            alpha=PlaneConfig(adapter="remote_shm", assets=["BTCUSDT-PERP"]),
            venue=PlaneConfig(adapter="bingx", assets=["BTCUSDT-PERP"]),
            binance=BinanceConfig(http_url=bn.http_url, ws_url=bn.ws_url),
            bingx=BingxConfig(http_url=bx.http_url, ws_url=f"{bx.ws_url}/swap-market"),
            bridge=BridgeConfig(shm_prefix=f"un{os.getpid()}"),
            feed=FeedConfig(shards="auto", assets_per_shard=3),
            universe=UniverseConfig(select="usdt-perpetuals", top=5),
        )
        everything = selection_of(UniverseConfig(select="usdt-perpetuals"), await fetch_listings(cfg))
        on_bingx = {f"{i.base}USDT-PERP" for i in bx.instruments}
        assert set(everything.alpha) == on_bingx, "every name both list; none of Binance's other listings"
        expected = everything.alpha[:5]
        assert expected == tuple(f"{i.base}USDT-PERP" for i in bx.instruments[:5]), "the most active rank first"
        async with open_planes(cfg) as planes:
            resolved = planes.config
            assert resolved is not None
            assert resolved.alpha.assets == resolved.venue.assets == list(expected)
            assert resolved.universe.select == "", "resolved: a feed process given this config serves it as is"
            assert resolved.feed.shards == min(2, os.cpu_count() or 1), "5 names at 3 a shard, no more than cores"

            def all_fresh() -> bool:
                return all(
                    plane.latest(asset, kind=TickKind.QUOTE).fresh
                    for plane in (planes.alpha, planes.venue)
                    for asset in expected
                )

            await eventually(all_fresh, "every selected name quoted fresh on both planes", 30)


async def test_a_venue_that_refuses_its_listing_stops_the_start_with_a_typed_error() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=3, market=False, weight_limit=30)) as bn,
        BingxSimulator(BingxSimConfig(symbols=3, market=False)) as bx,
    ):
        cfg = VioletConfig(
            binance=BinanceConfig(http_url=bn.http_url, ws_url=bn.ws_url),
            bingx=BingxConfig(http_url=bx.http_url, ws_url=f"{bx.ws_url}/swap-market"),
            universe=UniverseConfig(select="usdt-perpetuals"),
        )
        with anyio.fail_after(30), pytest.raises(ListingsUnavailable) as caught:
            await fetch_listings(cfg)
    # The whole market's 24 h ticker weighs 40: more than this simulator's 30 a minute.
    refused = caught.value
    assert refused.venue == "Binance" and "ticker/24hr" in refused.source and "HTTP 429" in refused.reason


def watching(bn: BinanceSimulator, bx: BingxSimulator) -> VioletConfig:
    """Both venues in-process, every USDT perpetual both list, the listings read again every 0.3 s."""
    return VioletConfig(
        alpha=PlaneConfig(adapter="nt_binance"),
        venue=PlaneConfig(adapter="bingx"),
        binance=BinanceConfig(http_url=bn.http_url, ws_url=bn.ws_url),
        bingx=BingxConfig(http_url=bx.http_url, ws_url=f"{bx.ws_url}/swap-market"),
        universe=UniverseConfig(select="usdt-perpetuals", refresh_s=0.3),
    )


async def test_a_name_delisted_while_running_reads_delisted_on_both_planes_and_the_others_stay_fresh() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=4, rate_hz=400)) as bn,
        BingxSimulator(BingxSimConfig(symbols=4, rate_hz=400, subscribe_per_s=100)) as bx,
    ):
        cfg = watching(bn, bx)
        async with open_planes(cfg) as planes:
            both = (planes.alpha, planes.venue)
            assets = sorted(planes.alpha.assets())
            assert "SOLUSDT-PERP" in assets and len(assets) == 4

            def verdicts(asset: str) -> set[Freshness]:
                return {plane.latest(asset, kind=TickKind.QUOTE).freshness for plane in both}

            await eventually(lambda: all(verdicts(a) == {Freshness.FRESH} for a in assets), "all fresh", 30)
            await bn.apply_fault(Fault.parse("delist:SOL"))
            await bx.apply_fault(Fault.parse("delist:SOL"))
            await eventually(lambda: verdicts("SOLUSDT-PERP") == {Freshness.DELISTED}, "SOL delisted on both", 10)
            others = [a for a in assets if a != "SOLUSDT-PERP"]
            assert all(verdicts(a) == {Freshness.FRESH} for a in others), "the other names go on"
            assert {plane.state for plane in both} == {FeedState.LIVE}, "a delisting is not a degraded plane"


async def test_a_name_listed_while_running_is_subscribed_on_both_planes_without_a_restart() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=4, rate_hz=400)) as bn,
        BingxSimulator(BingxSimConfig(symbols=4, rate_hz=400, subscribe_per_s=100)) as bx,
    ):
        for sim in (bn, bx):  # not trading yet when violet starts: a listing to come
            await sim.apply_fault(Fault.parse("delist:SOL"))
        cfg = watching(bn, bx)
        async with open_planes(cfg) as planes:
            assert "SOLUSDT-PERP" not in planes.venue.assets() | planes.alpha.assets()
            first = sorted(planes.venue.assets())
            await eventually(lambda: all(planes.venue.latest(a).fresh for a in first), "the first names fresh", 30)
            for sim in (bn, bx):
                await sim.apply_fault(Fault.parse("list:SOL"))

            def sol_fresh() -> bool:
                return all(
                    "SOLUSDT-PERP" in plane.assets() and plane.latest("SOLUSDT-PERP", kind=TickKind.QUOTE).fresh
                    for plane in (planes.alpha, planes.venue)
                )

            # BingX on a socket of its own; NautilusTrader 1.231 through its running client.
            await eventually(sol_fresh, "SOL subscribed on both planes", 15)
            assert all(plane.latest(a).fresh for plane in (planes.alpha, planes.venue) for a in first)


async def test_a_name_listed_while_running_reaches_a_remote_plane_through_its_feed_shard_without_a_restart() -> None:
    """The default deployment's alpha plane: feed processes publishing into shared memory. The feed shard the new
    name falls to subscribes it and adds it to its table; the reactor's remote plane serves it from there."""
    await _listed_while_running("remote_shm")


async def test_a_name_listed_while_running_reaches_a_hazelcast_plane_through_its_feed_shards_beat(
    hz_cluster: HzCluster,
) -> None:
    """The same over a real Hazelcast member: the feed shard names the new asset in its heartbeat value."""
    await _listed_while_running("remote_hz", hz_cluster)


async def _listed_while_running(adapter: Literal["remote_shm", "remote_hz"], cluster: HzCluster | None = None) -> None:
    hz = {} if cluster is None else {"hz_cluster": cluster.name, "hz_members": list(cluster.members)}
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=5, rate_hz=400)) as bn,
        BingxSimulator(BingxSimConfig(symbols=5, rate_hz=400, subscribe_per_s=100)) as bx,
    ):
        for sim in (bn, bx):  # not trading yet when violet starts: a listing to come
            await sim.apply_fault(Fault.parse("delist:SOL"))
        cfg = msgspec.structs.replace(
            watching(bn, bx),
            alpha=PlaneConfig(adapter=adapter),
            bridge=BridgeConfig(shm_prefix=f"nl{os.getpid()}{adapter[-2:]}", **hz),  # type: ignore[arg-type]
            feed=FeedConfig(shards=2),
        )
        async with open_planes(cfg) as planes:
            alpha = planes.alpha
            first = sorted(alpha.assets())
            assert "SOLUSDT-PERP" not in first and len(first) == 4
            await eventually(lambda: all(alpha.latest(a, kind=TickKind.QUOTE).fresh for a in first), "first fresh", 30)
            feeds = planes.child_pids()
            assert sum(name.startswith("violet feed shard") for name in feeds) == 2
            for sim in (bn, bx):
                await sim.apply_fault(Fault.parse("list:SOL"))

            def sol_fresh() -> bool:
                return "SOLUSDT-PERP" in alpha.assets() and alpha.latest("SOLUSDT-PERP", kind=TickKind.QUOTE).fresh

            await eventually(sol_fresh, "SOL published by its feed shard and fresh on the remote plane", 20)
            assert planes.child_pids() == feeds, "no feed restarted"
            if adapter == "remote_hz":
                return
            tables = [ShmTableReader(shm_bridge_name(cfg, "alpha"), shard=i, shards=2) for i in range(2)]
            try:
                assert [("SOLUSDT-PERP" in t.assets) for t in tables].count(True) == 1, "one shard takes it"
                assert not tables[0].assets & tables[1].assets, "a name another shard serves is not new to this one"
                assert tables[0].assets | tables[1].assets == {*first, "SOLUSDT-PERP"}
                assert owner("SOLUSDT-PERP", 2) == next(i for i, t in enumerate(tables) if "SOLUSDT-PERP" in t.assets)
            finally:
                for t in tables:
                    t.close()
            assert all(alpha.latest(a, kind=TickKind.QUOTE).fresh for a in first), "the others go on"
            assert alpha.state is FeedState.LIVE
