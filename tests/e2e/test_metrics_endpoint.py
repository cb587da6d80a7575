"""`violet run --metrics-port`: scraped over HTTP and parsed with prometheus_client's parser while the venue goes
away and comes back (its simulator stopped, then restarted on the same port)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import aiohttp
import anyio
import pytest

from tests.support.prometheus import Samples, scrape, value
from tests.support.sims import sim_process
from tests.support.waiting import eventually_async as _until
from violet.app.processes import stop_process

pytestmark = pytest.mark.anyio
ASSETS = ["BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Scraper:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url
        self.samples: Samples = {}
        self.ready: int | None = None

    async def scrape(self) -> Samples:
        self.samples = await scrape(self.http, self.url)
        return self.samples

    async def readyz(self) -> int:
        async with self.http.get(f"{self.url}/readyz") as resp:
            self.ready = resp.status
            return resp.status

    def get(self, name: str, **labels: str) -> float:
        return value(self.samples, name, **labels)


def config(tmp_path: Path, binance: dict[str, str], bingx_port: int, bingx: dict[str, str]) -> Path:
    path = tmp_path / "violet.toml"
    assets = ", ".join(f'"{a}"' for a in ASSETS)
    path.write_text(
        f'[alpha]\nadapter = "remote_shm"\nassets = [{assets}]\n'
        f'[venue]\nadapter = "bingx"\nassets = [{assets}]\nstaleness_budget_ms = 1000\n'
        f'[binance]\nhttp_url = "{binance["http"]}"\nws_url = "{binance["ws"]}"\n'
        f'[bingx]\nhttp_url = "http://127.0.0.1:{bingx_port}"\nws_url = "{bingx["ws"]}/swap-market"\n'
        f'[bridge]\nshm_prefix = "metrics-{bingx_port}"\n'
    )
    return path


async def test_scrape_during_a_venue_outage(tmp_path: Path) -> None:
    metrics_port = free_port()
    async with sim_process("binance", symbols=3, rate=300) as binance, aiohttp.ClientSession() as http:
        bingx_cm = sim_process("bingx", symbols=3, rate=300)
        bingx = await bingx_cm.__aenter__()
        bingx_port = int(bingx["http"].rsplit(":", 1)[1])
        cfg = config(tmp_path, binance, bingx_port, bingx)
        cmd = [sys.executable, "-m", "violet", "run", "--config", str(cfg), "--json", "--metrics-port"]
        run = await anyio.open_process([*cmd, str(metrics_port)], stdout=-1, stderr=None)
        try:
            m = Scraper(http, f"http://127.0.0.1:{metrics_port}")

            async def ready_is(code: int) -> bool:
                try:
                    return await m.readyz() == code
                except aiohttp.ClientConnectionError:
                    return False  # not serving yet

            await _until(lambda: ready_is(200), "readyz 200 once both planes are live", 90)
            venue = {"plane": "venue", "adapter": "bingx"}
            await _until(lambda: _fresh_everywhere(m), "every asset's quote fresh on both planes (first prices)", 30)
            assert m.get("violet_ticks_received_total", **venue) > 0
            assert m.get("violet_ticks_received_total", plane="alpha", adapter="remote_shm") > 0
            assert m.get("violet_bridge_latency_seconds_count", plane="alpha", adapter="remote_shm") > 0
            assert m.get("violet_venue_to_receive_seconds_count", **venue) > 0

            async def reactor_reads() -> bool:
                await m.scrape()
                return m.get("violet_receive_to_delivery_seconds_count", **venue) > 0

            await _until(reactor_reads, "the reactor's first venue tick (delivery latency observed)", 10)
            reconnects_before = m.get("violet_reconnects_total", **venue)

            await bingx_cm.__aexit__(None, None, None)  # the venue goes away
            await _until(lambda: ready_is(503), "readyz 503 while the venue is down", 30)
            await m.scrape()
            assert m.get("violet_feed_state", **venue, state="live") == 0
            await _until(lambda: _venue_stale(m), "every venue quote reported stale", 10)
            assert m.get("violet_reconnects_total", **venue) > reconnects_before
            assert all(m.get("violet_quote_fresh", plane="alpha", asset=a) == 1 for a in ASSETS), "alpha unaffected"

            async with sim_process("bingx", symbols=3, rate=300, port=bingx_port):  # and comes back
                await _until(lambda: ready_is(200), "readyz 200 after the venue came back", 60)
                await _until(lambda: _fresh_everywhere(m), "fresh venue quotes again after the outage", 30)
                assert m.get("violet_feed_state", **venue, state="live") == 1
        finally:
            await stop_process(run)


async def _fresh_everywhere(m: Scraper) -> bool:
    await m.scrape()
    return all(m.get("violet_quote_fresh", plane=p, asset=a) == 1 for p in ("alpha", "venue") for a in ASSETS)


async def _venue_stale(m: Scraper) -> bool:
    await m.scrape()
    return all(m.get("violet_quote_fresh", plane="venue", asset=a) == 0 for a in ASSETS)
