"""The BingX simulator, seen by a plain client that gunzips frames and answers Pong, and by ccxt."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from tests.sim.conftest import sample
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.faults import Fault
from violet.sim.engine.tls import client_tls

pytestmark = pytest.mark.anyio
TIMEOUT = 5
V = "bingx-swap"


@pytest.fixture
async def sim() -> AsyncIterator[BingxSimulator]:
    cfg = BingxSimConfig(symbols=3, market=False, max_topics=4, ping_interval_s=3600, subscribe_per_s=100)
    async with BingxSimulator(cfg) as s:
        yield s


async def recv(ws: ClientConnection) -> Any:
    """The next non-Ping payload, gunzipped and decoded; answers Pings like a well-behaved client."""
    with anyio.fail_after(TIMEOUT):
        while True:
            raw = await ws.recv()
            assert isinstance(raw, bytes), "every server frame is binary"
            text = gzip.decompress(raw).decode()
            if text == "Ping":
                await ws.send("Pong")
                continue
            return json.loads(text)


async def sub(ws: ClientConnection, data_type: str, req_id: str = "r1") -> Any:
    await ws.send(json.dumps({"id": req_id, "reqType": "sub", "dataType": data_type}))
    return await recv(ws)


def keys_types(d: dict[str, Any]) -> dict[str, type]:
    return {k: type(v) for k, v in d.items()}


def quote(s: BingxSimulator, base: str = "BTC") -> None:
    s.publish(s.market.quote(base, int(time.time() * 1000)))


def trade(s: BingxSimulator, base: str = "BTC") -> None:
    s.publish(s.market.trade(base, int(time.time() * 1000)))


async def test_every_push_type_matches_the_recorded_shapes(sim: BingxSimulator) -> None:
    recorded = {
        "bookTicker": sample(V, "ws_push_bookTicker.BTC-USDT.stale.observatory-recorded.json"),
        "trade": sample(V, "ws_push_trade.ETH-USDT.jkorf-recorded.json"),
        "lastPrice": sample(V, "ws_push_lastPrice.BTC-USDT.doc-example.json"),
        "markPrice": sample(V, "ws_push_markPrice.BTC-USDT.observatory-recorded.json"),
        "ticker": sample(V, "ws_push_ticker.ETH-USDT.jkorf-recorded.json"),
        "depth5@500ms": sample(V, "ws_push_depth5@500ms.BTC-USDT.doc-example.json"),
        "depth20@100ms": sample(V, "ws_push_depth20@100ms.ETH-USDT.jkorf-recorded.json"),
    }
    got: dict[str, Any] = {}
    async with BingxSimulator(BingxSimConfig(symbols=2, market=False)) as s:
        for group in (("bookTicker", "trade", "lastPrice", "markPrice"), ("ticker", "depth5@500ms", "depth20@100ms")):
            async with connect(f"{s.ws_url}/swap-market") as ws:
                for i, ch in enumerate(group):
                    assert (await sub(ws, f"BTC-USDT@{ch}", f"id-{i}")) == {
                        "id": f"id-{i}",
                        "code": 0,
                        "msg": "",
                        "dataType": "",
                        "data": None,
                    }
                trade(s)
                quote(s)
                s.publish(s.market.mark("BTC", int(time.time() * 1000)))
                while len([c for c in group if c in got]) < len(group):
                    msg = await recv(ws)
                    got[msg["dataType"].split("@", 1)[1]] = msg
    for ch, want in recorded.items():
        mine = got[ch]
        assert list(mine) == list(want), f"{ch}: envelope keys and order"
        data, ref = mine["data"], want["data"]
        if isinstance(ref, list):
            assert keys_types(data[0]) == keys_types(ref[0]), ch
        else:
            assert keys_types(data) == keys_types(ref), ch
    asks = [float(p) for p, _ in got["depth20@100ms"]["data"]["asks"]]
    assert asks == sorted(asks, reverse=True), "asks arrive worst-first, as the venue sends them"


async def test_error_acks(sim: BingxSimulator) -> None:
    refused = sample(V, "ws_error_ack_80015_dataType_not_support.observatory-recorded.json")
    async with connect(f"{sim.ws_url}/swap-market") as ws:
        for bad in ("btc-usdt@trade", "NOPE-USDT@trade", "BTC-USDT@nope", "BTC-USDT@depth30@200ms"):
            ack = await sub(ws, bad, "x")
            assert (ack["code"], ack["msg"]) == (refused["code"], refused["msg"]) and list(ack) == list(refused)
        await ws.send("{}")
        assert await recv(ws) == sample(V, "ws_error_ack_80014_invalid_params.ccxt-issue-29052.json")
        await ws.send("hello")  # junk: no reply, socket stays open
        await ws.send(json.dumps({"id": "arr", "reqType": "sub", "dataType": ["BTC-USDT@trade"]}))  # no reply
        for i, ch in enumerate(("bookTicker", "trade", "lastPrice", "markPrice")):
            assert (await sub(ws, f"BTC-USDT@{ch}", f"ok{i}"))["code"] == 0
        over = await sub(ws, "ETH-USDT@trade", "over")
        assert (over["code"], over["msg"]) == (80403, "your topic num over max 200")
        leaked = await recv(ws)
        assert leaked["dataType"] == "ETH-USDT@trade", "a refused topic leaks one data frame, as observed live"


async def test_unsubscribe_and_subscribe_rate_limit() -> None:
    async with (
        BingxSimulator(BingxSimConfig(symbols=3, market=False)) as sim,
        connect(f"{sim.ws_url}/swap-market") as ws,
    ):
        await sub(ws, "BTC-USDT@bookTicker")
        await ws.send(json.dumps({"id": "u", "reqType": "unsub", "dataType": "BTC-USDT@bookTicker"}))
        assert (await recv(ws))["code"] == 0
        assert not sim.topic_index
        for i in range(12):
            await ws.send(json.dumps({"id": f"s{i}", "reqType": "unsub", "dataType": "ETH-USDT@trade"}))
        with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed):
            while True:
                await recv(ws)


async def test_heartbeat_ping_and_the_drop_of_a_silent_client() -> None:
    cfg = BingxSimConfig(symbols=1, market=False, ping_interval_s=0.05, pong_timeout_s=0.3)
    async with BingxSimulator(cfg) as s:
        async with connect(f"{s.ws_url}/swap-market") as polite:
            with anyio.move_on_after(0.6):
                await recv(polite)  # answers every Ping meanwhile; no data is subscribed
            assert (await sub(polite, "BTC-USDT@trade"))["code"] == 0, "a client that answers Pong stays"
        async with connect(f"{s.ws_url}/swap-market") as silent:
            pings = 0
            with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosedError) as info:
                while True:
                    raw = await silent.recv()
                    pings += gzip.decompress(raw) == b"Ping"  # type: ignore[arg-type]
            assert pings >= 3
            assert info.value.rcvd is None, "dropped abruptly (1006, no close frame)"


async def subscribed(s: BingxSimulator) -> ClientConnection:
    ws = await connect(f"{s.ws_url}/swap-market")
    assert (await sub(ws, "BTC-USDT@bookTicker"))["code"] == 0
    return ws


async def test_fault_corrupt_gzip_and_text_frame(sim: BingxSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("corrupt-gzip"))
    quote(sim)
    with anyio.fail_after(TIMEOUT):
        raw = await ws.recv()
    assert isinstance(raw, bytes)
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(raw)
    await sim.apply_fault(Fault.parse("text-frame"))
    quote(sim)
    with anyio.fail_after(TIMEOUT):
        text = await ws.recv()
    assert isinstance(text, str) and json.loads(text)["dataType"] == "BTC-USDT@bookTicker"
    quote(sim)
    assert (await recv(ws))["dataType"] == "BTC-USDT@bookTicker"


async def test_fault_ping_storm_and_stale_push(sim: BingxSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("ping-storm:20"))
    with anyio.fail_after(TIMEOUT):
        pings = [gzip.decompress(await ws.recv()) for _ in range(20)]  # type: ignore[arg-type]
    assert set(pings) == {b"Ping"}
    await sim.apply_fault(Fault.parse("stale-push"))
    quote(sim)
    data = (await recv(ws))["data"]
    assert data["E"] - data["T"] >= 5 * 60_000, "T lags E by minutes: a stale book seen live"


@pytest.mark.parametrize("kind", ["crossed", "zero", "negative", "nan", "malformed", "truncated", "duplicate"])
async def test_shared_faults_reach_a_bingx_client(sim: BingxSimulator, kind: str) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse(kind))
    quote(sim)
    quote(sim)
    with anyio.fail_after(TIMEOUT):
        first = gzip.decompress(await ws.recv()).decode()  # type: ignore[arg-type]
    if kind in ("malformed", "truncated"):
        with pytest.raises(ValueError):
            json.loads(first)
        return
    data = json.loads(first)["data"]
    if kind == "duplicate":
        assert json.loads(gzip.decompress(await ws.recv()).decode())["data"] == data  # type: ignore[arg-type]
    elif kind == "crossed":
        assert float(data["b"]) > float(data["a"])
    elif kind == "nan":
        assert data["b"] == "NaN"
    else:
        assert float(data["b"]) <= 0


async def test_fault_close_reset_stall(sim: BingxSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("close:1011"))
    with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("reset"))
    with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosedError):
        await ws.recv()
    ws = await subscribed(sim)
    conn = next(iter(sim.connections.values()))
    await sim.apply_fault(Fault.parse("stall"))
    quote(sim)
    with anyio.fail_after(TIMEOUT):  # the writer has taken the quote (and, stalled, held it)
        while conn.backlog():
            await anyio.sleep(0.001)
    assert conn.sent == 1  # only the ack
    await sim.apply_fault(Fault.parse("resume"))
    held = await recv(ws)  # arrives on resume, without waiting for a newer frame
    assert held["dataType"] == "BTC-USDT@bookTicker" and conn.sent == 2


async def test_rest_envelope_errors_with_http_200_and_rate_limit() -> None:
    cfg = BingxSimConfig(symbols=3, market=False, rest_limit=5)
    async with BingxSimulator(cfg) as s, aiohttp.ClientSession() as http:
        async with http.get(f"{s.http_url}/openApi/swap/v2/server/time") as r:
            body = await r.json()
        assert r.status == 200 and body["code"] == 0 and set(body["data"]) == {"serverTime"}
        async with http.get(f"{s.http_url}/openApi/swap/v2/quote/contracts") as r:
            rows = (await r.json())["data"]
        assert [row["symbol"] for row in rows] == ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
        assert {"symbol", "pricePrecision", "quantityPrecision", "status", "apiStateOpen"} <= set(rows[0])
        async with http.get(f"{s.http_url}/openApi/swap/v2/quote/ticker?symbol=BTC") as r:
            assert r.status == 200 and (await r.json())["code"] == 109400
        async with http.get(f"{s.http_url}/openApi/swap/v2/quote/bookTicker?symbol=NOPE-USDT") as r:
            assert r.status == 200 and (await r.json())["code"] == 109425
        statuses = []
        for _ in range(8):
            async with http.get(f"{s.http_url}/openApi/swap/v2/quote/bookTicker?symbol=BTC-USDT") as r:
                statuses.append(r.status)
                if r.status == 200:
                    assert set((await r.json())["data"]["book_ticker"]) == {
                        "symbol",
                        "bid_price",
                        "bid_qty",
                        "ask_price",
                        "ask_qty",
                    }
                    assert "X-RateLimit-Requests-Remain" in r.headers
        assert statuses[:4] == [200] * 4 and 429 in statuses


async def test_tls() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=1, market=False, tls=True)) as s:
        assert s.ca_path is not None
        async with connect(f"{s.ws_url}/swap-market", ssl=client_tls(s.ca_path)) as ws:
            assert (await sub(ws, "BTC-USDT@trade"))["code"] == 0


async def test_ccxt_bingx_loads_swap_contracts_and_watches_tickers_and_trades() -> None:
    import ccxt.pro

    async with BingxSimulator(BingxSimConfig(symbols=3, rate_hz=300)) as s:
        ex = ccxt.pro.bingx(
            {"enableRateLimit": False, "options": {"defaultType": "swap", "fetchMarkets": {"types": ["swap"]}}}
        )
        _point_ccxt_bingx(ex, s)
        try:
            with anyio.fail_after(30):
                markets = await ex.load_markets()
                ticker = await ex.watch_ticker("BTC/USDT:USDT")
                trades = await ex.watch_trades("BTC/USDT:USDT")
        finally:
            await ex.close()
    assert "BTC/USDT:USDT" in markets
    assert ticker["bid"] and ticker["ask"] and ticker["bid"] <= ticker["ask"]
    assert trades[0]["price"] > 0


def _point_ccxt_bingx(ex: Any, s: BingxSimulator) -> None:
    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, str):
            return (
                node.replace("wss://open-api-swap.bingx.com", s.ws_url)
                .replace("https://open-api.{hostname}", s.http_url)
                .replace("https://open-api.bingx.com", s.http_url)
            )
        return node

    ex.urls["api"] = swap(ex.urls["api"])


async def test_contracts_need_a_timestamp_under_its_fault(sim: BingxSimulator) -> None:
    url = f"{sim.http_url}/openApi/swap/v2/quote/contracts"
    await sim.apply_fault(Fault.parse("contracts-need-timestamp"))
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert (r.status, await r.json()) == (
                400,
                sample(V, "rest_error_coinm_contracts_no_timestamp_http400.observatory-recorded.json"),
            )
        async with http.get(url, params={"timestamp": str(int(time.time() * 1000))}) as r:
            assert r.status == 200 and (await r.json())["code"] == 0


async def test_silence_stops_one_channel_while_the_others_go_on(sim: BingxSimulator) -> None:
    async with connect(f"{sim.ws_url}/swap-market") as ws:
        await sub(ws, "BTC-USDT@bookTicker", "a")
        await sub(ws, "BTC-USDT@trade", "b")
        await sim.apply_fault(Fault.parse("silence:bookTicker:60000"))
        quote(sim)
        trade(sim)  # the fence: sent after the quote's frame would have been
        assert (await recv(ws))["dataType"] == "BTC-USDT@trade"
        conn = next(iter(sim.connections.values()))
        conn.faults.silenced["bookTicker"] = 0.0  # the silence is over (its deadline passed)
        quote(sim)
        assert (await recv(ws))["dataType"] == "BTC-USDT@bookTicker"


async def test_incr_depth_subscribed_twice_is_acked_twice_and_delivered_once(
    sim: BingxSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots at once: a second one, if scheduled, would then be sent before the fence's update.
    monkeypatch.setattr("violet.sim.bingx.book_channels.SNAPSHOT_DELAY_S", (0.0, 0.0))
    async with connect(f"{sim.ws_url}/swap-market") as ws:
        for req_id in ("a", "b"):
            await ws.send(json.dumps({"id": req_id, "reqType": "sub", "dataType": "BTC-USDT@incrDepth"}))
        first = [await recv(ws) for _ in range(3)]
        assert sorted(m["id"] for m in first if m.get("id")) == ["a", "b"], "acked twice"
        assert [m["data"]["action"] for m in first if m.get("dataType")] == ["all"]
        quote(sim)  # the fence: its update follows the one snapshot, with no second snapshot before it
        assert (await recv(ws))["data"]["action"] == "update"


async def test_a_paused_contract_is_refused_when_asked_for_and_granted_after(sim: BingxSimulator) -> None:
    refused = sample(V, "ws_error_ack_80015_dataType_not_support.observatory-recorded.json")
    await sim.apply_fault(Fault.parse("pause:ETH-USDT:60"))
    async with connect(f"{sim.ws_url}/swap-market") as ws:
        ack = await sub(ws, "ETH-USDT@trade", "paused")
        assert (ack["code"], ack["msg"]) == (refused["code"], refused["msg"])
        assert (await sub(ws, "BTC-USDT@trade", "other"))["code"] == 0, "only the paused contract is refused"
        sim.paused_until["ETH-USDT"] = 0.0  # the pause is over (its deadline passed)
        assert (await sub(ws, "ETH-USDT@trade", "again"))["code"] == 0


async def test_a_skewed_clock_stamps_what_the_venue_sends(sim: BingxSimulator) -> None:
    url = f"{sim.http_url}/openApi/swap/v2/server/time"
    await sim.apply_fault(Fault.parse("skew:-60000:600"))
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        behind = int(time.time() * 1000) - (await r.json())["data"]["serverTime"]
    assert 59_000 <= behind <= 61_000, behind


async def test_sockets_beyond_the_per_ip_limit_are_refused_and_one_closing_makes_room() -> None:
    async with (
        BingxSimulator(BingxSimConfig(symbols=1, market=False, max_sockets_per_ip=3)) as sim,
        connect(f"{sim.ws_url}/swap-market") as a,
        connect(f"{sim.ws_url}/swap-market"),
    ):
        async with connect(f"{sim.ws_url}/swap-market"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connect(f"{sim.ws_url}/swap-market"):
                    pass
            assert refused.value.response.status_code == 429
            assert sim.refused_sockets == 1
        with anyio.fail_after(TIMEOUT):
            while len(sim.connections) > 2:  # the server forgets a socket once its handler has ended
                await anyio.sleep(0.01)
        async with connect(f"{sim.ws_url}/swap-market") as d:
            assert (await sub(d, "BTC-USDT@trade"))["code"] == 0
        assert (await sub(a, "BTC-USDT@bookTicker"))["code"] == 0


@pytest.mark.parametrize(("scope", "dropped"), [("socket", False), ("ip", True)])
async def test_the_subscribe_rate_is_counted_per_socket_or_across_the_ip(scope: str, dropped: bool) -> None:
    """Two sockets, four requests each inside one second, against a limit of five: within each socket's own count,
    over the IP's."""
    cfg = BingxSimConfig(symbols=3, market=False, subscribe_per_s=5, subscribe_scope=scope)  # type: ignore[arg-type]
    async with (
        BingxSimulator(cfg) as sim,
        connect(f"{sim.ws_url}/swap-market") as a,
        connect(f"{sim.ws_url}/swap-market") as b,
    ):
        topics = ("BTC-USDT@trade", "ETH-USDT@trade", "BTC-USDT@bookTicker", "ETH-USDT@bookTicker")
        for i, topic in enumerate(topics):
            await a.send(json.dumps({"id": f"s{i}", "reqType": "sub", "dataType": topic}))
        assert [(await recv(a))["code"] for _ in range(4)] == [0, 0, 0, 0]  # a's four are in before b's
        for i, topic in enumerate(topics):
            await b.send(json.dumps({"id": f"s{i}", "reqType": "sub", "dataType": topic}))
        if dropped:
            with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed):
                while True:
                    await recv(b)
        else:
            assert [(await recv(b))["code"] for _ in range(4)] == [0, 0, 0, 0]
