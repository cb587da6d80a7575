"""The clients a latency scenario measures: raw baselines, WebSocket libraries, peers (ccxt, cryptofeed) and
violet's adapters; each records (join key or tick fields, receive ns) per tick into `out`."""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import anyio
import msgspec

from violet import defaults as d
from violet.app.processes import stop_process
from violet.bench.records import Key, Record, fields
from violet.bench.sim_process import SimProcess, ssl_context, unpin
from violet.domain.errors import VioletError
from violet.ports import BridgeLatency, LatencyHistogram

ClientFn = Callable[[SimProcess, list[str], float, list[Record]], Coroutine[Any, Any, None]]


async def raw_bingx(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """The minimum: aiohttp WebSocket, gunzip, json.loads, answer Ping."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{sim.info['ws']}/swap-market", ssl=ssl_context(sim)) as ws,
    ):
        for a in assets:
            for ch in ("bookTicker", "trade"):
                sym = f"{a.removesuffix('USDT-PERP')}-USDT"
                await ws.send_str(json.dumps({"id": f"{sym}{ch}", "reqType": "sub", "dataType": f"{sym}@{ch}"}))
                await anyio.sleep(1 / 9)  # the venue drops sockets subscribing faster than 10/s
        with anyio.move_on_after(duration):
            async for msg in ws:
                text = zlib.decompress(msg.data, wbits=31)
                if text == b"Ping":
                    await ws.send_str("Pong")
                    continue
                m = json.loads(text)
                now = time.monotonic_ns()
                dt = m.get("dataType", "")
                d = m.get("data")
                if dt.endswith("@bookTicker"):
                    out.append(((d["s"], "quote", d["E"], f"{d['b']}/{d['a']}"), now))
                elif dt.endswith("@trade"):
                    t = d[0]
                    out.append(((t["s"], "trade", t["T"], t["p"]), now))


class _BingxRaw:
    """What every library candidate does per frame, identically: gunzip, msgspec decode, answer Ping, record."""

    def __init__(self, out: list[Record]) -> None:
        self.out = out
        self.decode = msgspec.json.Decoder()

    def subscriptions(self, assets: list[str]) -> list[str]:
        syms = [f"{a.removesuffix('USDT-PERP')}-USDT" for a in assets]
        return [
            json.dumps({"id": f"{sym}{ch}", "reqType": "sub", "dataType": f"{sym}@{ch}"})
            for sym in syms
            for ch in ("bookTicker", "trade")
        ]

    def on_frame(self, data: bytes) -> bool:
        """True if the frame was the venue's Ping (the caller answers Pong)."""
        text = zlib.decompress(data, wbits=31)
        if text == b"Ping":
            return True
        m = self.decode.decode(text)
        now = time.monotonic_ns()
        dt = m.get("dataType", "")
        d = m.get("data")
        if dt.endswith("@bookTicker"):
            self.out.append(((d["s"], "quote", d["E"], f"{d['b']}/{d['a']}"), now))
        elif dt.endswith("@trade"):
            t = d[0]
            self.out.append(((t["s"], "trade", t["T"], t["p"]), now))
        return False


async def lib_aiohttp(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    raw = _BingxRaw(out)
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{sim.info['ws']}/swap-market", ssl=ssl_context(sim)) as ws,
    ):
        for sub in raw.subscriptions(assets):
            await ws.send_str(sub)
            await anyio.sleep(1 / 9)
        with anyio.move_on_after(duration):
            async for msg in ws:
                if raw.on_frame(msg.data):
                    await ws.send_str("Pong")


async def lib_websockets(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    from websockets.asyncio.client import connect

    raw = _BingxRaw(out)
    # BingX compresses frames itself (gzip): no permessage-deflate on top, as the venue does not offer it either.
    async with connect(f"{sim.info['ws']}/swap-market", ssl=ssl_context(sim), compression=None, max_size=2**20) as ws:
        for sub in raw.subscriptions(assets):
            await ws.send(sub)
            await anyio.sleep(1 / 9)
        with anyio.move_on_after(duration):
            async for msg in ws:
                if raw.on_frame(msg if isinstance(msg, bytes) else msg.encode()):
                    await ws.send("Pong")


async def lib_picows(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    import picows

    raw = _BingxRaw(out)

    class Listener(picows.WSListener):
        # picows calls back on the loop for each frame: no task hop between the socket and the decoder.
        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            if frame.msg_type in (picows.WSMsgType.BINARY, picows.WSMsgType.TEXT) and raw.on_frame(
                frame.get_payload_as_bytes()
            ):
                transport.send(picows.WSMsgType.TEXT, b"Pong")

    transport, _ = await picows.ws_connect(
        Listener, f"{sim.info['ws']}/swap-market", ssl_context=ssl_context(sim) or None
    )
    try:
        for sub in raw.subscriptions(assets):
            transport.send(picows.WSMsgType.TEXT, sub.encode())
            await anyio.sleep(1 / 9)
        await anyio.sleep(duration)
    finally:
        transport.disconnect()


async def violet_bingx(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    await _violet_bingx(sim, assets, duration, out, quote_source="bookTicker")


async def violet_bingx_book(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """Quotes from the local book (@incrDepth): the book's cost against the bookTicker path."""
    await _violet_bingx(sim, assets, duration, out, quote_source="book")


async def violet_bingx_tap(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """bingx-violet read through the tap (`TickTap`): the reactor's work done in a callback per accepted tick, on the
    plane's own task, as the raw client does it in its read loop; no stream, no consumer task to wake."""
    await _violet_bingx(sim, assets, duration, out, quote_source="bookTicker", tap=True)


async def violet_bingx_metrics(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """bingx-violet with Prometheus metrics served and scraped every second (Prometheus' usual is 5-15 s)."""
    await _violet_bingx(sim, assets, duration, out, quote_source="bookTicker", metrics=True)


async def _violet_bingx(
    sim: SimProcess,
    assets: list[str],
    duration: float,
    out: list[Record],
    *,
    quote_source: d.BingxQuoteSource,
    metrics: bool = False,
    tap: bool = False,
) -> None:
    from violet.adapters.bingx import BingxPriceFeed, BingxSettings

    settings = BingxSettings(
        quote_source=quote_source,
        assets=tuple(assets),
        base_url_http=sim.info["http"],
        ws_url=f"{sim.info['ws']}/swap-market",
        subscribe_per_s=9.0,
        topics_per_socket=200,
        ssl_ca_file=sim.info.get("ca"),
    )
    feed = BingxPriceFeed(settings)
    async with AsyncExitStack() as stack:
        if metrics:
            from violet.metrics import MonitoredPlane, serve_metrics

            server = await stack.enter_async_context(
                serve_metrics([MonitoredPlane(name="venue", adapter="bingx", feed=feed)], port=0)
            )
            tg = await stack.enter_async_context(anyio.create_task_group())
            tg.start_soon(_scrape_every, f"{server.url}/metrics", 1.0)
            stack.callback(tg.cancel_scope.cancel)
        await stack.enter_async_context(feed)
        CONFLATION.append(lambda: feed.counters().conflated)
        if tap:
            stack.enter_context(feed.tap(lambda tick: out.append((fields(tick), time.monotonic_ns()))))
            await anyio.sleep(duration)
            return
        stream = await stack.enter_async_context(feed.subscribe(assets))
        with anyio.move_on_after(duration):
            async for tick in stream:
                out.append((fields(tick), time.monotonic_ns()))  # noqa: PERF401


async def _scrape_every(url: str, period_s: float) -> None:
    """Scrapes from another process, as Prometheus does: the client's own work is not charged to violet's loop."""
    code = (
        "import sys, time, urllib.request\n"
        "while True:\n"
        "    time.sleep(float(sys.argv[2]))\n"
        "    urllib.request.urlopen(sys.argv[1]).read()\n"
    )
    proc = await anyio.open_process([sys.executable, "-c", code, url, str(period_s)])
    try:
        await proc.wait()
    finally:
        await stop_process(proc)


async def raw_binance(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    streams = "/".join(f"{a.removesuffix('-PERP').lower()}@{s}" for a in assets for s in ("bookTicker", "trade"))
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{sim.info['ws']}/stream?streams={streams}", ssl=ssl_context(sim)) as ws,
    ):
        with anyio.move_on_after(duration):
            async for msg in ws:
                d = json.loads(msg.data)["data"]
                now = time.monotonic_ns()
                if d["e"] == "bookTicker":
                    out.append(((d["s"], "quote", d["T"], f"{d['b']}/{d['a']}"), now))
                else:
                    out.append(((d["s"], "trade", d["T"], d["p"]), now))


async def peer_ccxt(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """A user's alternative: ccxt pro's `binanceusdm.watch_bids_asks`, pointed at the simulator."""
    import ccxt.pro as ccxtpro

    exchange = ccxtpro.binanceusdm(
        {"enableRateLimit": False, **({"cafile": sim.info["ca"]} if sim.info.get("ca") else {})}
    )
    http, ws = sim.info["http"], sim.info["ws"]
    for api in ("fapiPublic", "fapiPublicV2", "fapiPublicV3", "fapiPrivate", "fapiData"):
        exchange.urls["api"][api] = exchange.urls["api"][api].replace("https://fapi.binance.com", http)
    exchange.urls["api"]["ws"]["linear"] = f"{ws}/ws"
    try:
        await exchange.load_markets()
        symbols = [exchange.markets_by_id[a.removesuffix("-PERP")][0]["symbol"] for a in assets]
        seen: dict[str, Key] = {}
        with anyio.move_on_after(duration):
            while True:
                tickers = await exchange.watch_bids_asks(symbols)
                now = time.monotonic_ns()
                for t in tickers.values():  # ccxt returns every symbol's latest: record only what is new
                    info = t.get("info") or {}
                    if "s" in info:
                        key = (info["s"], "quote", int(info["T"]), f"{info['b']}/{info['a']}")
                        if seen.get(info["s"]) != key:
                            seen[info["s"]] = key
                            out.append((key, now))
    finally:
        with anyio.CancelScope(shield=True):
            await exchange.close()


class ScenarioUnavailable(VioletError, RuntimeError):
    """A scenario that cannot run under these settings (the report says why instead of a figure)."""


async def peer_cryptofeed(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """A user's alternative: cryptofeed's `BinanceFutures` ticker channel (bookTicker), pointed at the simulator.

    cryptofeed accepts only wss:// addresses, so it runs in --tls runs only. It loads symbols with a blocking
    `requests` call at start (before measuring) and logs to a file unless told not to."""
    ca = sim.info.get("ca")
    if not ca:
        raise ScenarioUnavailable("cryptofeed connects only to wss:// addresses; run with --tls")
    from cryptofeed import FeedHandler
    from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint
    from cryptofeed.defines import TICKER
    from cryptofeed.exchanges import BinanceFutures

    ws = WebsocketEndpoint(sim.info["ws"], options={"compression": None, "ssl": ssl_context(sim)})

    class SimBinanceFutures(BinanceFutures):  # type: ignore[misc]
        websocket_endpoints: ClassVar = [ws]
        rest_endpoints: ClassVar = [RestEndpoint(sim.info["http"], routes=Routes("/fapi/v1/exchangeInfo"))]

    async def on_ticker(t: Any, receipt: float) -> None:
        now = time.monotonic_ns()
        m = t.raw
        out.append(((m["s"], "quote", m["T"], f"{m['b']}/{m['a']}"), now))

    symbols = [f"{a.removesuffix('USDT-PERP')}-USDT-PERP" for a in assets]
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca  # cryptofeed's symbol load is a plain `requests.get`
    try:
        handler = FeedHandler(config={"uvloop": False, "log": {"disabled": True}})
        handler.add_feed(SimBinanceFutures(symbols=symbols, channels=[TICKER], callbacks={TICKER: on_ticker}))
        handler.run(start_loop=False, install_signal_handlers=False)
    finally:
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved
    try:
        await anyio.sleep(duration)
    finally:
        with anyio.CancelScope(shield=True):
            await handler.stop_async()


async def violet_nt(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """The NT adapter; also records NT's own frame -> Actor callback time (the tick's `mono_ns`)."""
    if sim.info.get("ca"):
        # Checked against 1.221.0: its Rust WebSocket client verifies with the Mozilla roots compiled into it and
        # fails `invalid peer certificate: UnknownIssuer` even with SSL_CERT_FILE set.
        raise ScenarioUnavailable("NautilusTrader's WebSocket client trusts only its built-in roots, not a local CA")
    from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings

    settings = NtBinanceSettings(
        assets=tuple(assets), base_url_http=sim.info["http"], base_url_ws=sim.info["ws"], subscribe_per_s=8.0
    )
    NT_ACTOR_RECORDS.clear()
    async with NtBinancePriceFeed(settings) as feed, feed.subscribe(assets) as stream:
        CONFLATION.append(lambda: feed.counters().conflated)
        with anyio.move_on_after(duration):
            async for tick in stream:
                now = time.monotonic_ns()
                f = fields(tick)
                out.append((f, now))
                NT_ACTOR_RECORDS.append((f, tick.mono_ns))


NT_ACTOR_RECORDS: list[Record] = []
BRIDGE_RECORDS: list[int] = []


async def _violet_remote(
    sim: SimProcess, assets: list[str], duration: float, out: list[Record], *, adapter: str, spin: bool = False
) -> None:
    """NT in a real `violet feed` process -> the bridge -> the remote adapter here.

    Besides send -> delivery, records the bridge's own share: the writer's publish to this reader's read."""
    import secrets
    import tempfile
    from contextlib import ExitStack

    from violet.bench.hz_transport import hz_member
    from violet.composition import build_plane
    from violet.config import BinanceConfig, PlaneConfig, VioletConfig, dump_config
    from violet.config.schema import BridgeConfig

    prefix = f"bench{secrets.token_hex(3)}"
    with ExitStack() as stack:
        cluster, members = ("", ()) if adapter == "remote_shm" else stack.enter_context(hz_member())
        cfg = VioletConfig(
            alpha=PlaneConfig(adapter=adapter, assets=assets),  # type: ignore[arg-type]
            venue=PlaneConfig(adapter="in_memory"),
            binance=BinanceConfig(http_url=sim.info["http"], ws_url=sim.info["ws"]),
            bridge=BridgeConfig(
                shm_prefix=prefix, shm_spin=spin, hz_cluster=cluster or "dev", hz_members=list(members)
            ),
        )
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        path = Path(tmp) / "feed.toml"
        path.write_text(dump_config(cfg))
        proc = await anyio.open_process([sys.executable, "-m", "violet", "feed", "--config", str(path)], stderr=-3)
        unpin(proc.pid)
        SUT_PIDS["feed"] = proc.pid
        try:
            from violet.domain import SystemClock

            reader, _ = build_plane("alpha", cfg, SystemClock())
            async with reader, reader.subscribe(assets) as stream:
                if isinstance(reader, BridgeLatency):
                    BRIDGE_LATENCY.append(reader.bridge_latency_ns)
                CONFLATION.append(lambda: reader.counters().conflated)
                with anyio.move_on_after(duration):
                    async for tick in stream:
                        out.append((fields(tick), time.monotonic_ns()))  # noqa: PERF401
        finally:
            SUT_PIDS.pop("feed", None)
            await stop_process(proc)


async def violet_remote_shm(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    await _violet_remote(sim, assets, duration, out, adapter="remote_shm")


async def violet_remote_shm_spin(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """The reader polls the table on every loop pass (`[bridge] shm_spin = true`) instead of waiting for a wake-up."""
    await _violet_remote(sim, assets, duration, out, adapter="remote_shm", spin=True)


async def violet_remote_hz(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    await _violet_remote(sim, assets, duration, out, adapter="remote_hz")


BRIDGE_LATENCY: list[LatencyHistogram] = []
CONFLATION: list[Callable[[], int]] = []
"""How many ticks the violet adapter under test conflated so far (its counter); peers and raw clients conflate
nothing, so every send they miss is a drop."""
SUT_PIDS: dict[str, int] = {}
"""Other processes of the system under test (the feed), whose CPU the report states beside the client's."""
