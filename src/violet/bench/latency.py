"""`violet bench`: send-to-delivery latency per client, against baselines measured in the same run.

The venue simulator runs as a separate process (pinned to another core when possible) and records when
each frame left it (same host, CLOCK_MONOTONIC) on a side channel; each client records when each tick
reached its consumer. Ticks are joined to sends on (symbol, kind, event ms, price text). Medians of
repeats are reported, with ratios to the raw-client baseline of the same run.

Every client stamps a tick once it holds the decoded price (the raw clients after their JSON decode, violet's
at its port's consumer), and does as little else as possible before the next frame: violet's ticks are kept as
plain tuples and keyed after the window, since formatting their Decimals per tick would charge the harness's
bookkeeping to the next frame's latency (measured: ~14 us at the BingX p50), and keeping the tick objects would
give the collector ~100,000 more objects to walk (full collections of 14-63 ms were measured that way).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import anyio
import attrs
import msgspec
import psutil
from hdrh.histogram import HdrHistogram

from violet.app.heap import freeze_startup_heap
from violet.domain import NormalizedTick

Key = tuple[str, str, int, str]
TickFields = tuple[str, str, Decimal | None, Decimal | None, Decimal | None, int]
"""A violet tick's venue, asset, bid, ask, last and event time: atomic values, so the tuple is not GC-tracked."""
Record = tuple[Key | TickFields, int]
"""A tick as received: its join key, or a violet tick's fields, keyed later (`keyed`)."""


def fields(tick: NormalizedTick) -> TickFields:
    return (tick.venue, tick.asset, tick.bid, tick.ask, tick.last, tick.ts_event)


@attrs.frozen(kw_only=True)
class Stats:
    n: int
    matched: int
    p50_us: float
    p90_us: float
    p99_us: float
    p999_us: float
    max_us: float
    cpu_s: float
    cdf: list[tuple[float, float]] = attrs.field(factory=list)
    """(percentile, us) points of the latency distribution, for the report's CDF plot."""


@attrs.frozen(kw_only=True)
class SimProcess:
    proc: anyio.abc.Process
    info: dict[str, Any]


async def start_sim(venue: str, *, symbols: int, rate: float, tls: bool, pin: bool = True) -> SimProcess:
    """A simulator subprocess; `pin` puts it on core 0 and this process on the others (latency benches)."""
    cmd = [sys.executable, "-m", "violet", "sim", venue, "--symbols", str(symbols), "--rate", str(rate)]
    if tls:
        cmd.append("--tls")
    proc = await anyio.open_process(cmd, stdout=-1, stderr=None)
    assert proc.stdout is not None
    buf = b""
    with anyio.fail_after(30):
        while b"\n" not in buf:
            buf += await proc.stdout.receive()
    info = msgspec.json.decode(buf.split(b"\n", 1)[0])
    if not pin:
        return SimProcess(proc=proc, info=info)
    try:  # sim on core 0, clients on the others: the measured side is not the measuring side's neighbour
        os.sched_setaffinity(proc.pid, {0})
        os.sched_setaffinity(0, set(range(1, os.cpu_count() or 2)) or {0})
    except (AttributeError, OSError):
        pass
    return SimProcess(proc=proc, info=info)


def unpin(pid: int) -> None:
    """Let a process of the system under test (a feed, a Hazelcast member) run on every core: it inherits this
    client's pinning otherwise, and three busy processes on one core measure the core, not the bridge."""
    cores = set(range(os.cpu_count() or 1))
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for tid in threads:  # affinity is per thread: a running JVM already has dozens
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(tid, cores)


async def stop_sim(sim: SimProcess) -> None:
    sim.proc.terminate()
    with anyio.move_on_after(10):
        await sim.proc.wait()
    if sim.proc.returncode is None:
        sim.proc.kill()
    await sim.proc.aclose()


async def sim_post(sim: SimProcess, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.post(f"{sim.info['http']}{path}", ssl=_ssl(sim)) as r:
        return msgspec.json.decode(await r.read())


async def sim_fault(sim: SimProcess, spec: str) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sim.info['http']}/__sim/fault", json={"fault": spec, "conn": None}, ssl=_ssl(sim)) as r,
    ):
        return msgspec.json.decode(await r.read())


async def sim_get(sim: SimProcess, path: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(f"{sim.info['http']}{path}", ssl=_ssl(sim)) as r:
        return msgspec.json.decode(await r.read())


def _ssl(sim: SimProcess) -> Any:
    if sim.info.get("ca"):
        import ssl

        return ssl.create_default_context(cafile=sim.info["ca"])
    return None


def tick_key(tick: TickFields) -> Key:
    """The join key of a violet tick: the simulator's symbol spelling for its venue."""
    venue, asset, bid, ask, last, ts_event = tick
    base = asset.removesuffix("-PERP")
    symbol = f"{base.removesuffix('USDT')}-USDT" if venue == "bingx" else base
    if bid is not None and ask is not None:
        return (symbol, "quote", ts_event // 1_000_000, f"{format(bid, 'f')}/{format(ask, 'f')}")
    assert last is not None
    return (symbol, "trade", ts_event // 1_000_000, format(last, "f"))


def keyed(record: Record) -> tuple[Key, int]:
    what, recv = record
    return (tick_key(what) if len(what) == 6 else what), recv


def summarize(records: list[Record], sends: list[list[Any]], cpu_s: float) -> Stats:
    sent: dict[Key, int] = {(s[0], s[1], s[2], s[3]): s[4] for s in sends}
    hist = HdrHistogram(1, 60_000_000_000, 3)
    matched = 0
    for key, recv in map(keyed, records):
        t = sent.get(key)
        if t is not None and recv >= t:
            hist.record_value(max(1, recv - t))
            matched += 1
    q = hist.get_value_at_percentile
    return Stats(
        n=len(records),
        matched=matched,
        p50_us=q(50) / 1e3,
        p90_us=q(90) / 1e3,
        p99_us=q(99) / 1e3,
        p999_us=q(99.9) / 1e3,
        max_us=hist.get_max_value() / 1e3,
        cpu_s=cpu_s,
        cdf=[(p, q(p) / 1e3) for p in CDF_PERCENTILES] if matched else [],
    )


CDF_PERCENTILES = (1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9, 99.95, 99.99)


# -- clients ------------------------------------------------------------------------------------------
ClientFn = Callable[[SimProcess, list[str], float, list[Record]], Coroutine[Any, Any, None]]


async def raw_bingx(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """The minimum: aiohttp WebSocket, gunzip, json.loads, answer Ping."""
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{sim.info['ws']}/swap-market", ssl=_ssl(sim)) as ws:
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
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{sim.info['ws']}/swap-market", ssl=_ssl(sim)) as ws:
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
    async with connect(f"{sim.info['ws']}/swap-market", ssl=_ssl(sim), compression=None, max_size=2**20) as ws:
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

    transport, _ = await picows.ws_connect(Listener, f"{sim.info['ws']}/swap-market", ssl_context=_ssl(sim) or None)
    try:
        for sub in raw.subscriptions(assets):
            transport.send(picows.WSMsgType.TEXT, sub.encode())
            await anyio.sleep(1 / 9)
        await anyio.sleep(duration)
    finally:
        transport.disconnect()


async def violet_bingx(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    from violet.adapters.bingx import BingxPriceFeed, BingxSettings

    settings = BingxSettings(
        assets=tuple(assets),
        base_url_http=sim.info["http"],
        ws_url=f"{sim.info['ws']}/swap-market",
        subscribe_per_s=9.0,
        topics_per_socket=200,
        ssl_ca_file=sim.info.get("ca"),
    )
    async with BingxPriceFeed(settings) as feed, feed.subscribe(assets) as stream:
        with anyio.move_on_after(duration):
            async for tick in stream:
                out.append((fields(tick), time.monotonic_ns()))  # noqa: PERF401


async def raw_binance(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    streams = "/".join(f"{a.removesuffix('-PERP').lower()}@{s}" for a in assets for s in ("bookTicker", "trade"))
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{sim.info['ws']}/stream?streams={streams}", ssl=_ssl(sim)) as ws,
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


class ScenarioUnavailable(RuntimeError):
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

    ws = WebsocketEndpoint(sim.info["ws"], options={"compression": None, "ssl": _ssl(sim)})

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
                BRIDGE_LATENCY.append(reader.bridge_latency_ns)  # type: ignore[attr-defined]
                with anyio.move_on_after(duration):
                    async for tick in stream:
                        out.append((fields(tick), time.monotonic_ns()))  # noqa: PERF401
        finally:
            SUT_PIDS.pop("feed", None)
            proc.terminate()
            with anyio.CancelScope(shield=True), anyio.move_on_after(10):
                await proc.wait()
            await proc.aclose()


async def violet_remote_shm(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    await _violet_remote(sim, assets, duration, out, adapter="remote_shm")


async def violet_remote_shm_spin(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    """The reader polls the table on every loop pass (`[bridge] shm_spin = true`) instead of waiting for a wake-up."""
    await _violet_remote(sim, assets, duration, out, adapter="remote_shm", spin=True)


async def violet_remote_hz(sim: SimProcess, assets: list[str], duration: float, out: list[Record]) -> None:
    await _violet_remote(sim, assets, duration, out, adapter="remote_hz")


BRIDGE_LATENCY: list[HdrHistogram] = []
SUT_PIDS: dict[str, int] = {}
"""Other processes of the system under test (the feed), whose CPU the report states beside the client's."""


def _cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds per named process (a JVM's threads included); absent ones are left out."""
    out = {}
    for name, pid in pids.items():
        with contextlib.suppress(psutil.Error):
            out[name] = sum(psutil.Process(pid).cpu_times()[:2])
    return out


SCENARIOS: dict[str, tuple[str, ClientFn]] = {
    "bingx-raw (baseline)": ("bingx", raw_bingx),
    "bingx-violet": ("bingx", violet_bingx),
    "bingx-lib-aiohttp": ("bingx", lib_aiohttp),
    "bingx-lib-websockets": ("bingx", lib_websockets),
    "bingx-lib-picows": ("bingx", lib_picows),
    "binance-raw (baseline)": ("binance", raw_binance),
    "binance-nt_binance": ("binance", violet_nt),
    "binance-peer-ccxt": ("binance", peer_ccxt),
    "binance-peer-cryptofeed": ("binance", peer_cryptofeed),
    "binance-remote_shm": ("binance", violet_remote_shm),
    "binance-remote_shm-spin": ("binance", violet_remote_shm_spin),
    "binance-remote_hz": ("binance", violet_remote_hz),
}


async def _settle(sim: SimProcess, topics: int) -> None:
    """Wait until the client has subscribed `topics` streams (NT paces its subscriptions), freeze the heap, warm up
    for a second, and start the simulator's send log afresh: the measured window starts after this.

    The heap is frozen as `violet run` and `violet feed` do once their feeds are up (violet.app.heap), for every
    client alike, and before the warm-up, which absorbs the collection's own pause (tens of ms: frames sent during
    it would otherwise be counted with that delay). Callers `gc.unfreeze()` when done."""
    with anyio.fail_after(120):
        while sum(len(c["topics"]) for c in await sim_get(sim, "/__sim/connections")) < topics:  # noqa: ASYNC110 - polling another process
            await anyio.sleep(0.1)
    freeze_startup_heap()
    await anyio.sleep(1.0)
    await sim_post(sim, "/__sim/sendlog")


async def run_scenario(name: str, *, symbols: int, rate: float, duration: float, tls: bool) -> dict[str, Any]:
    venue, client = SCENARIOS[name]
    sim = await start_sim(venue, symbols=symbols, rate=rate, tls=tls)
    try:
        assets = [s for s in sim.info["symbols"]]
        warm: list[Record] = []
        me = psutil.Process()
        sim_ps = psutil.Process(sim.proc.pid)
        async with anyio.create_task_group() as tg:
            tg.start_soon(client, sim, assets, float("inf"), warm)
            # Measure only once every stream is subscribed (NT paces its subscriptions), after a warm-up.
            # ccxt's watch_bids_asks subscribes quotes only; every other client, quotes and trades.
            topics = len(assets) * (1 if client in (peer_ccxt, peer_cryptofeed) else 2)
            await _settle(sim, topics)
            from violet.bench.hz_transport import member_pids

            others = {**SUT_PIDS, **{f"member{i}": pid for i, pid in enumerate(member_pids())}}
            cpu0 = sum(me.cpu_times()[:2])
            sim_cpu0 = sum(sim_ps.cpu_times()[:2])
            others0 = _cpu_of(others)
            mark = len(warm)
            for h in BRIDGE_LATENCY:  # the bridge's share over the same window as the end-to-end records
                h.reset()
            await anyio.sleep(duration)
            stop = len(warm)
            cpu1 = sum(me.cpu_times()[:2])
            sim_cpu1 = sum(sim_ps.cpu_times()[:2])
            others1 = _cpu_of(others)
            tg.cancel_scope.cancel()
        records = warm[mark:stop]
        sends = await sim_post(sim, "/__sim/sendlog")
        stats = await sim_get(sim, "/__sim/stats")
        result = summarize(records, sends, cpu1 - cpu0)
        out = {
            "scenario": name,
            "tls": tls,
            **attrs.asdict(result),
            "sim_cpu_s": sim_cpu1 - sim_cpu0,
            "sut_cpu_s": {k: others1[k] - others0[k] for k in others1 if k in others0},
            "sim_behind": stats["behind"],
            "sim_max_lag_ms": stats["max_lag_ms"],
            "sent": len(sends),
        }
        if client in (violet_remote_shm, violet_remote_shm_spin, violet_remote_hz) and BRIDGE_LATENCY:
            h = BRIDGE_LATENCY.pop()
            out["bridge_p50_us"] = h.get_value_at_percentile(50) / 1e3
            out["bridge_p99_us"] = h.get_value_at_percentile(99) / 1e3
        if client is violet_nt and NT_ACTOR_RECORDS:
            nt = summarize(NT_ACTOR_RECORDS[mark:stop], sends, 0.0)
            out["nt_actor_p50_us"], out["nt_actor_p99_us"] = nt.p50_us, nt.p99_us
        return out
    finally:
        gc.unfreeze()
        await stop_sim(sim)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "mem_gib": round(psutil.virtual_memory().total / 2**30, 1),
    }


def median_of(runs: list[dict[str, Any]], field: str) -> float:
    return float(statistics.median(r[field] for r in runs if r.get(field) is not None))


async def bench(
    *, scenarios: list[str], symbols: int, rate: float, duration: float, repeats: int, tls: bool, out_dir: Path
) -> dict[str, Any]:
    from contextlib import nullcontext

    from violet.bench.hz_transport import hz_member

    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in scenarios}
    unavailable: dict[str, str] = {}
    with hz_member() if any(s.endswith("remote_hz") for s in scenarios) else nullcontext():
        for _ in range(repeats):
            for name in scenarios:
                if name in unavailable:
                    continue
                try:
                    runs[name].append(await run_scenario(name, symbols=symbols, rate=rate, duration=duration, tls=tls))
                except* ScenarioUnavailable as group:
                    unavailable[name] = str(group.exceptions[0])
    summary: dict[str, dict[str, Any]] = {name: {"unavailable": why} for name, why in unavailable.items()}
    for name, rs in runs.items():
        if name in unavailable:
            continue
        summary[name] = {f: median_of(rs, f) for f in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "cpu_s")}
        summary[name]["matched"] = int(median_of(rs, "matched"))
        summary[name]["valid"] = not any(r["sim_behind"] for r in rs)
        if any("bridge_p50_us" in r for r in rs):
            summary[name]["bridge_p50_us"] = median_of(rs, "bridge_p50_us")
            summary[name]["bridge_p99_us"] = median_of(rs, "bridge_p99_us")
        # Everyone's CPU over the measured window: on a 2-core machine a tail is often just the cores being full.
        others = {"sim": [r["sim_cpu_s"] for r in rs]}
        for r in rs:
            for proc, cpu in r.get("sut_cpu_s", {}).items():
                others.setdefault(proc, []).append(cpu)
        summary[name]["other_cpu_s"] = {proc: float(statistics.median(v)) for proc, v in others.items()}
        if any("nt_actor_p50_us" in r for r in rs):
            summary[name]["nt_actor_p50_us"] = median_of(rs, "nt_actor_p50_us")
            summary[name]["nt_actor_p99_us"] = median_of(rs, "nt_actor_p99_us")
    report = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "params": {"symbols": symbols, "rate": rate, "duration_s": duration, "repeats": repeats, "tls": tls},
        "summary": summary,
        "runs": runs,
    }
    write_report(report, out_dir)
    return report


def sweep_summary(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Latency against rate per scenario, and the highest rate each sustained with zero drops (every send
    delivered and joined, simulator on schedule). A latest-value adapter may legitimately conflate; conflation is
    reported by the adapters' counters, here only what the consumer got counts."""
    sweep: dict[str, list[dict[str, Any]]] = {}
    best: dict[str, float | None] = {}
    for report in reports:
        rate = report["params"]["rate"]
        for name, runs in report["runs"].items():
            row = report["summary"][name]
            if "unavailable" in row:
                continue
            # Frames sent in the last moments of the window may land after it closes: 0.5 % slack for that edge.
            zero_drop = all(r["matched"] >= 0.995 * r["sent"] and not r["sim_behind"] for r in runs)
            sweep.setdefault(name, []).append(
                {"rate": rate, "p50_us": row["p50_us"], "p99_us": row["p99_us"], "zero_drop": zero_drop}
            )
            if zero_drop and (best.get(name) is None or rate > (best[name] or 0)):
                best[name] = rate
            best.setdefault(name, None)
    return {"machine": machine(), "sweep": sweep, "highest_zero_drop_rate": best}


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2))
    (out_dir / "bench.md").write_text(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    p = report["params"]
    lines = [
        f"symbols {p['symbols']}, {p['rate']:g} msgs/s aggregate, {p['duration_s']:g} s x {p['repeats']} repeats, "
        f"{'wss' if p['tls'] else 'ws'}; medians of repeats; send (simulator) -> consumer, same-host monotonic clock",
        "",
        "| scenario | p50 us | p90 us | p99 us | p99.9 us | max us | client CPU s | matched | valid "
        "| vs baseline p50 / p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    s = report["summary"]
    for name, row in s.items():
        if "unavailable" in row:
            lines.append(f"| {name} | not measured: {row['unavailable']} | | | | | | | | |")
            continue
        venue = name.split("-")[0]
        base = s.get(f"{venue}-raw (baseline)")
        ratio = (
            ""
            if base is None or base is row
            else f"{row['p50_us'] / base['p50_us']:.2f}x / {row['p99_us'] / base['p99_us']:.2f}x"
        )
        lines.append(
            f"| {name} | {row['p50_us']:.0f} | {row['p90_us']:.0f} | {row['p99_us']:.0f} | {row['p999_us']:.0f} | "
            f"{row['max_us']:.0f} | {row['cpu_s']:.2f} | {row['matched']} | "
            f"{'yes' if row['valid'] else 'NO (sim behind)'} | {ratio} |"
        )
        if "bridge_p50_us" in row:
            lines.append(
                f"| ({'Hazelcast' if name.endswith('remote_hz') else 'shared-memory'} bridge alone: writer publish "
                f"-> reader) | {row['bridge_p50_us']:.0f} | | "
                f"{row['bridge_p99_us']:.0f} | | | | | | |"
            )
        if len(row.get("other_cpu_s", {})) > 1:
            cpu = row["other_cpu_s"]
            busy = (row["cpu_s"] + sum(cpu.values())) / p["duration_s"]
            lines.append(
                f"| (CPU s of the other processes: {', '.join(f'{k} {v:.2f}' for k, v in cpu.items())}; all together "
                f"{busy:.2f} of {report['machine']['cpus']} cores) | | | | | | | | | |"
            )
        if "nt_actor_p50_us" in row:
            added_p50 = row["p50_us"] - row["nt_actor_p50_us"]
            added_p99 = row["p99_us"] - row["nt_actor_p99_us"]
            lines.append(
                f"| (NT's own frame -> Actor callback) | {row['nt_actor_p50_us']:.0f} | | "
                f"{row['nt_actor_p99_us']:.0f} | | | | | | "
                f"violet adds {added_p50:.0f} / {added_p99:.0f} us |"
            )
    lines += _versus_peers(s)
    return "\n".join(lines) + "\n"


VIOLET_OF_VENUE = {"binance": "binance-nt_binance", "bingx": "bingx-violet"}


def _versus_peers(summary: dict[str, Any]) -> list[str]:
    """violet's ratios to each peer measured in the same run (below 1: violet is faster / leaner)."""
    out = []
    for name, peer in summary.items():
        if "-peer-" not in name or "unavailable" in peer:
            continue
        ours = summary.get(VIOLET_OF_VENUE[name.split("-")[0]])
        if ours is None or "unavailable" in ours:
            out.append(f"- violet vs {name}: violet's adapter was not measured in this run")
            continue
        p50, p99, cpu = (ours[f] / peer[f] for f in ("p50_us", "p99_us", "cpu_s"))
        out.append(f"- violet vs {name}: p50 {p50:.2f}x, p99 {p99:.2f}x, client CPU {cpu:.2f}x")
    return ["", *out] if out else []


async def sim_throughput(*, venue: str, symbols: int, rate: float, duration: float) -> dict[str, Any]:
    """Can the simulator sustain `rate` msgs/s to one raw client? Delivered rate and schedule slip."""
    sim = await start_sim(venue, symbols=symbols, rate=rate, tls=False)
    try:
        got: list[Record] = []
        client = raw_binance if venue == "binance" else raw_bingx
        assets = list(sim.info["symbols"])
        async with anyio.create_task_group() as tg:
            tg.start_soon(client, sim, assets, float("inf"), got)
            await _settle(sim, 2 * len(assets))
            start, t0 = len(got), time.monotonic()
            await anyio.sleep(duration)
            received, elapsed = len(got) - start, time.monotonic() - t0
            sends = await sim_post(sim, "/__sim/sendlog")
            stats = await sim_get(sim, "/__sim/stats")
            tg.cancel_scope.cancel()
        return {
            "venue": venue,
            "target_rate": rate,
            "sent_rate": len(sends) / elapsed,
            "received_rate": received / elapsed,
            "behind": stats["behind"],
            "max_lag_ms": stats["max_lag_ms"],
        }
    finally:
        gc.unfreeze()
        await stop_sim(sim)


async def first_tick_nt(*, symbols: int) -> dict[str, Any]:
    """Seconds from entering the NT adapter (exchangeInfo, node build, batched subscriptions) to its first tick,
    to a quote on every asset, and to every stream acknowledged by the venue; 20 msgs/s per symbol, so the figure
    is bounded by subscription, not by a quiet symbol."""
    from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings

    sim = await start_sim("binance", symbols=symbols, rate=symbols * 20.0, tls=False)
    try:
        assets = list(sim.info["symbols"])
        settings = NtBinanceSettings(assets=tuple(assets), base_url_http=sim.info["http"], base_url_ws=sim.info["ws"])
        t0 = time.monotonic()
        first = every = acked = None
        seen: set[str] = set()
        feed = NtBinancePriceFeed(settings)
        async with feed, feed.subscribe(assets) as stream:
            entered = time.monotonic() - t0
            with anyio.fail_after(120):
                async for tick in stream:
                    now = time.monotonic() - t0
                    first = first or now
                    if acked is None and not feed.unconfirmed_assets():
                        acked = now
                    if tick.bid is not None:
                        seen.add(tick.asset)
                    if every is None and len(seen) == len(assets):
                        every = now
                    if every is not None and acked is not None:
                        break
        return {
            "symbols": symbols,
            "rate_hz": symbols * 20.0,
            "entered_s": entered,
            "first_tick_s": first,
            "every_asset_quote_s": every,
            "every_stream_acked_s": acked,
        }
    finally:
        await stop_sim(sim)
