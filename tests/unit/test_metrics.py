"""Prometheus metrics of an in-memory plane, scraped over HTTP and parsed with prometheus_client's own parser."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.support.prometheus import Samples, value
from tests.support.prometheus import scrape as scrape_samples
from tests.support.waiting import eventually
from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue
from violet.domain import ManualClock
from violet.metrics import MonitoredPlane, serve_metrics

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")


async def scrape(url: str) -> Samples:
    async with aiohttp.ClientSession() as http:
        return await scrape_samples(http, url)


async def status(url: str, path: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{url}{path}") as resp:
        return resp.status


async def test_counters_ages_verdicts_states_and_latency_move_with_the_plane() -> None:
    clock = ManualClock()
    venue = InMemoryVenue(ASSETS)
    feed = InMemoryPriceFeed(venue, clock=clock, staleness_budget_ns=1_000_000_000)
    plane = MonitoredPlane(name="venue", adapter="in_memory", feed=feed)
    async with serve_metrics([plane], port=0, clock=clock) as server:
        assert await status(server.url, "/healthz") == 200
        assert await status(server.url, "/readyz") == 503, "not live before it is entered"
        async with feed, feed.subscribe(["BTCUSDT-PERP"]) as stream:
            assert await status(server.url, "/readyz") == 200
            venue.quote("BTCUSDT-PERP", "100.0", "100.5", time.time_ns())
            venue.quote("BTCUSDT-PERP", "x", "100.5", time.time_ns())  # refused: InvalidPrice
            await anext(aiter(stream))
            clock.advance(250_000_000)
            venue.trade("ETHUSDT-PERP", "10.0", time.time_ns())
            s = await scrape(server.url)
            labels = {"plane": "venue", "adapter": "in_memory"}
            assert value(s, "violet_ticks_received_total", **labels) == 2
            assert value(s, "violet_ticks_delivered_total", **labels) == 1
            assert value(s, "violet_ticks_rejected_total", **labels, reason="InvalidPrice") == 1
            assert value(s, "violet_feed_state", **labels, state="live") == 1
            assert value(s, "violet_quote_age_seconds", plane="venue", asset="BTCUSDT-PERP") == pytest.approx(0.25)
            assert value(s, "violet_quote_fresh", plane="venue", asset="BTCUSDT-PERP") == 1
            assert value(s, "violet_trade_fresh", plane="venue", asset="BTCUSDT-PERP") == 0, "a quote is no trade"
            assert ("violet_trade_age_seconds", frozenset({("plane", "venue"), ("asset", "BTCUSDT-PERP")})) not in s
            assert value(s, "violet_trade_age_seconds", plane="venue", asset="ETHUSDT-PERP") == 0
            assert value(s, "violet_staleness_budget_seconds", plane="venue", asset="ETHUSDT-PERP") == 1
            assert value(s, "violet_venue_to_receive_seconds_count", **labels) == 2
            assert value(s, "violet_receive_to_delivery_seconds_count", **labels) == 1
            assert value(s, "violet_receive_to_delivery_seconds_sum", **labels) == 0, "read before the clock moved"

            clock.advance(900_000_000)  # the BTC quote is now 1.15 s old: past its 1 s budget
            venue.disconnect()
            s = await scrape(server.url)
            assert value(s, "violet_quote_fresh", plane="venue", asset="BTCUSDT-PERP") == 0
            assert value(s, "violet_quote_age_seconds", plane="venue", asset="BTCUSDT-PERP") == pytest.approx(1.15)
            assert value(s, "violet_feed_state", **labels, state="live") == 0
            assert value(s, "violet_feed_state", **labels, state="reconnecting") == 1
            assert value(s, "violet_reconnects_total", **labels) == 1
            assert await status(server.url, "/readyz") == 503
            venue.reconnect()
            assert await status(server.url, "/readyz") == 200


async def test_silent_streams_and_unexplained_rejections_are_exported_zero_included() -> None:
    clock = ManualClock()
    venue = InMemoryVenue(ASSETS)
    second = 1_000_000_000
    feed = InMemoryPriceFeed(venue, clock=clock, silent_after_ns={"quote": 2 * second, "trade": 2 * second})
    plane = MonitoredPlane(name="venue", adapter="in_memory", feed=feed)
    labels = {"plane": "venue", "adapter": "in_memory"}
    async with serve_metrics([plane], port=0, clock=clock) as server, feed:
        s = await scrape(server.url)
        # Series exist before anything happens, so rate() over them (deploy/prometheus/violet-alerts.yml) has a start.
        assert value(s, "violet_ticks_rejected_total", **labels, reason="unspecified") == 0
        assert value(s, "violet_silent_streams", **labels) == 0
        for asset in ASSETS:
            venue.quote(asset, "100.0", "100.5", time.time_ns())
            venue.trade(asset, "100.2", time.time_ns())
        clock.advance(3 * second)
        for asset in ASSETS:  # the venue flows, but ETH's trades have stopped
            venue.quote(asset, "100.1", "100.6", time.time_ns())
        venue.trade("BTCUSDT-PERP", "100.3", time.time_ns())
        await eventually(lambda: feed.silent_streams() == ["ETHUSDT-PERP trade"], "ETH's trades found silent")
        s = await scrape(server.url)
        assert value(s, "violet_silent_streams", **labels) == 1
        assert value(s, "violet_silent_streams_found_total", **labels) == 1


async def test_a_port_in_use_is_a_typed_error_naming_it() -> None:
    from violet.metrics import MetricsPortUnavailable

    plane = MonitoredPlane(name="venue", adapter="in_memory", feed=InMemoryPriceFeed(InMemoryVenue(ASSETS)))
    async with serve_metrics([plane], port=0) as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(MetricsPortUnavailable, match=f"cannot serve metrics on 127.0.0.1:{port}"):
            async with serve_metrics([plane], port=port):
                pytest.fail("bound a port already in use")


async def test_a_large_plane_exports_counts_by_verdict_and_per_asset_series_only_when_asked() -> None:
    clock = ManualClock()
    many = tuple(f"SIM{i:03d}USDT-PERP" for i in range(150))
    venue = InMemoryVenue(many)
    feed = InMemoryPriceFeed(venue, clock=clock, staleness_budget_ns=1_000_000_000)
    plane = MonitoredPlane(name="venue", adapter="in_memory", feed=feed)
    async with feed:
        for asset in many[:100]:
            venue.quote(asset, "1.0", "1.1", time.time_ns())
        await eventually(lambda: feed.latest(many[99]).fresh, "the quotes arrive", 5)
        for per_asset, series in ((None, 0), (True, 150), (False, 0)):
            async with serve_metrics([plane], port=0, clock=clock, per_asset=per_asset) as server:
                s = await scrape(server.url)
            labels = {"plane": "venue", "adapter": "in_memory"}
            assert value(s, "violet_assets_by_verdict", **labels, kind="quote", verdict="fresh") == 100
            assert value(s, "violet_assets_by_verdict", **labels, kind="quote", verdict="no-data") == 50
            assert value(s, "violet_assets_by_verdict", **labels, kind="trade", verdict="no-data") == 150
            assert sum(name == "violet_quote_fresh" for name, _ in s) == series, f"per_asset={per_asset}"
