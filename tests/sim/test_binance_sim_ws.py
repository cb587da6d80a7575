"""The Binance simulator's WebSocket face, seen by a plain `websockets` client."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from tests.sim.conftest import sample
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.connection import SimConnection
from violet.sim.engine.faults import Fault
from violet.sim.engine.replay import read_frames, replay
from violet.sim.engine.tls import client_tls

pytestmark = pytest.mark.anyio
TIMEOUT = 5


@pytest.fixture
async def sim() -> AsyncIterator[BinanceSimulator]:
    async with BinanceSimulator(BinanceSimConfig(symbols=3, market=False)) as s:
        yield s


async def recv_json(ws: ClientConnection) -> Any:
    with anyio.fail_after(TIMEOUT):
        return json.loads(await ws.recv())


async def until_subscribed(sim: BinanceSimulator, n_topics: int) -> None:
    with anyio.fail_after(TIMEOUT):
        while sum(len(c.topics) for c in sim.connections.values()) < n_topics:
            await anyio.sleep(0.005)


def quote(sim: BinanceSimulator, base: str = "BTC") -> None:
    sim.publish(sim.market.quote(base, int(time.time() * 1000)))


def trade(sim: BinanceSimulator, base: str = "BTC") -> None:
    sim.publish(sim.market.trade(base, int(time.time() * 1000)))


def keyset(payload: dict[str, Any]) -> dict[str, type]:
    return {k: type(v) for k, v in payload.items()}


OPTIONAL_NEW_KEYS = {"st", "nq", "ps"}  # 2026 additions documented as optional (PROTOCOL.md section 4)


async def test_each_stream_payload_has_the_recorded_fields_and_types(sim: BinanceSimulator) -> None:
    got: dict[str, dict[str, Any]] = {}
    async with (
        connect(f"{sim.ws_url}/public/stream?streams=btcusdt@bookTicker/btcusdt@trade") as public,
        connect(f"{sim.ws_url}/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s") as market,
    ):
        await until_subscribed(sim, 4)
        quote(sim)
        trade(sim)
        sim.publish(sim.market.mark("BTC", int(time.time() * 1000)))
        for ws in (public, public, market, market):
            frame = await recv_json(ws)
            assert set(frame) == {"stream", "data"}
            got[frame["stream"]] = frame["data"]
    recorded = {
        "btcusdt@bookTicker": sample("binance-usdm", "ws_bookTicker.json"),
        "btcusdt@aggTrade": sample("binance-usdm", "ws_aggTrade.json"),
        "btcusdt@trade": sample("binance-usdm", "ws_trade.json"),
        "btcusdt@markPrice@1s": sample("binance-usdm", "ws_markPrice.json")["data"],
    }
    for stream, want in recorded.items():
        mine = keyset(got[stream])
        theirs = {k: t for k, t in keyset(want).items() if k not in OPTIONAL_NEW_KEYS}
        assert mine == theirs, stream
    assert list(got["btcusdt@bookTicker"]) == ["e", "u", "s", "b", "B", "a", "A", "T", "E"], "wire key order"


async def test_raw_ws_route_sends_bare_payloads_and_control_messages_work(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/ws/btcusdt@bookTicker") as ws:
        await until_subscribed(sim, 1)
        quote(sim)
        assert (await recv_json(ws))["e"] == "bookTicker"
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["ethusdt@trade"], "id": 7}))
        assert await recv_json(ws) == {"result": None, "id": 7}
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 8}))
        assert await recv_json(ws) == {"result": ["btcusdt@bookTicker", "ethusdt@trade"], "id": 8}
        await ws.send(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 9}))
        assert await recv_json(ws) == {"result": False, "id": 9}
        await ws.send(json.dumps({"method": "SET_PROPERTY", "params": ["combined", True], "id": 10}))
        assert await recv_json(ws) == {"result": None, "id": 10}
        trade(sim, "ETH")
        assert (await recv_json(ws))["stream"] == "ethusdt@trade"
        await ws.send(json.dumps({"method": "UNSUBSCRIBE", "params": ["ethusdt@trade"], "id": 11}))
        assert await recv_json(ws) == {"result": None, "id": 11}


@pytest.mark.parametrize(
    ("request_text", "code", "msg_start"),
    [
        (
            '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":-1}',
            2,
            "Invalid request: request ID must be",
        ),
        ('{"method":"SUBSCRIBE","params":["btcusdt@trade"]}', 2, "Invalid request: request ID must be"),
        ('{"method":"FROB","id":1}', 2, "Invalid request: unknown variant `FROB`"),
        (
            '{"method":"SET_PROPERTY","params":["combined","yes"],"id":1}',
            1,
            "Invalid value type: expected Boolean",
        ),
        ('{"method":"GET_PROPERTY","params":["colour"],"id":1}', 0, "Unknown property"),
        (
            '{"method":"GET_PROPERTY","params":[5],"id":1}',
            2,
            "Invalid request: property name must be a string",
        ),
        ("not json", 3, "Invalid JSON"),
    ],
)
async def test_control_errors_use_the_documented_codes(
    sim: BinanceSimulator, request_text: str, code: int, msg_start: str
) -> None:
    async with connect(f"{sim.ws_url}/ws") as ws:
        await ws.send(request_text)
        reply = await recv_json(ws)
    assert reply["code"] == code and reply["msg"].startswith(msg_start)


async def test_category_route_with_a_counter_segment_then_subscribe(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/public/ws/0") as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker"], "id": 1}))
        assert await recv_json(ws) == {"result": None, "id": 1}
        quote(sim)
        assert (await recv_json(ws))["s"] == "BTCUSDT"


async def test_incoming_message_rate_limit_disconnects(sim: BinanceSimulator) -> None:
    async def drain(ws: ClientConnection) -> None:
        while True:
            await ws.recv()

    async with connect(f"{sim.ws_url}/ws") as ws:
        for i in range(11):
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed) as info:
            await drain(ws)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008


async def test_stream_limit_per_connection() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=3, market=False, stream_limit=2)) as s,
        connect(f"{s.ws_url}/ws") as ws,
    ):
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["a@trade", "b@trade", "c@trade"], "id": 1}))
        reply = await recv_json(ws)
        assert reply["code"] == 2 and "at most 2 streams" in reply["msg"]


async def test_client_that_does_not_pong_is_dropped_and_one_that_does_stays() -> None:
    cfg = BinanceSimConfig(symbols=1, market=False, ping_interval_s=0.05, pong_timeout_s=0.2)
    async with BinanceSimulator(cfg) as s:
        # websockets answers pings itself: this client stays.
        async with connect(f"{s.ws_url}/ws") as polite:
            await anyio.sleep(0.5)
            await polite.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
            assert (await recv_json(polite))["id"] == 1
        # A client that never answers pings is dropped by the server, with the reason recorded.
        dropped: list[str] = []
        real_unregister = s.unregister

        def spy(conn: SimConnection) -> None:
            dropped.append(conn.close_reason)
            real_unregister(conn)

        s.unregister = spy  # type: ignore[method-assign]
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{s.ws_url}/ws", autoping=False) as mute:
            with anyio.fail_after(TIMEOUT):
                while not dropped:
                    await anyio.sleep(0.02)
            assert dropped == ["no pong"]
            kinds: list[str] = []
            with anyio.fail_after(TIMEOUT):
                while not kinds or kinds[-1] not in ("CLOSE", "CLOSED", "CLOSING"):
                    kinds.append((await mute.receive()).type.name)
            assert "PING" in kinds, "the server did ping before giving up"


async def test_connection_lifetime_is_enforced() -> None:
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=1, market=False, max_lifetime_s=0.2)) as s,
        connect(f"{s.ws_url}/ws") as ws,
    ):
        with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosedOK):
            await ws.recv()


# -- faults ------------------------------------------------------------------------------------------
async def subscribed(sim: BinanceSimulator) -> Any:
    ws = await connect(f"{sim.ws_url}/stream?streams=btcusdt@bookTicker")
    await until_subscribed(sim, 1)
    return ws


async def test_fault_close_with_code(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("close:1011"))
    with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1011


async def test_fault_tcp_reset(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("reset"))
    with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosedError) as info:
        await ws.recv()
    assert info.value.rcvd is None, "no close frame: the socket was reset"


async def test_fault_stall_holds_frames_until_resumed_then_sends_them_in_order(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    conn = next(iter(sim.connections.values()))
    await sim.apply_fault(Fault.parse("stall"))
    for _ in range(5):
        quote(sim)
    with anyio.fail_after(5):  # the writer has taken all five from the outbox (and, stalled, sent none)
        while conn.backlog():
            await anyio.sleep(0.001)
    assert conn.sent == 0
    assert ws.protocol.state.name != "CLOSED"
    await sim.apply_fault(Fault.parse("resume"))  # what the stall held arrives now, late, as over a stalled TCP path
    held = [(await recv_json(ws))["data"]["u"] for _ in range(5)]
    assert held == sorted(held) and len(set(held)) == 5 and conn.sent == 5
    quote(sim)
    assert (await recv_json(ws))["data"]["u"] > held[-1]


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
async def test_fault_broken_json(sim: BinanceSimulator, kind: str) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse(kind))
    quote(sim)
    quote(sim)
    with anyio.fail_after(TIMEOUT):
        bad = await ws.recv()
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad)
    assert (await recv_json(ws))["stream"] == "btcusdt@bookTicker", "the next frame is whole again"


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("crossed", lambda d: float(d["b"]) > float(d["a"])),
        ("zero", lambda d: float(d["b"]) == 0),
        ("negative", lambda d: float(d["b"]) < 0),
        ("nan", lambda d: d["b"] == "NaN"),
    ],
)
async def test_fault_out_of_range_values(sim: BinanceSimulator, kind: str, check: Any) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse(kind))
    quote(sim)
    assert check((await recv_json(ws))["data"])


async def test_a_crossed_fault_waits_for_a_quote_while_trades_pass_untouched(sim: BinanceSimulator) -> None:
    async with connect(f"{sim.ws_url}/stream?streams=btcusdt@trade/btcusdt@bookTicker") as ws:
        await until_subscribed(sim, 2)
        await sim.apply_fault(Fault.parse("crossed"))
        trade(sim)
        traded = (await recv_json(ws))["data"]
        assert traded["e"] == "trade" and float(traded["p"]) > 0
        quote(sim)
        crossed = (await recv_json(ws))["data"]
        assert float(crossed["b"]) > float(crossed["a"]), "the fault was kept for the quote"


async def test_fault_duplicate_and_out_of_order(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("duplicate"))
    quote(sim)
    first, second = await recv_json(ws), await recv_json(ws)
    assert first == second
    await sim.apply_fault(Fault.parse("out-of-order"))
    quote(sim)
    quote(sim)
    a, b = (await recv_json(ws))["data"]["u"], (await recv_json(ws))["data"]["u"]
    assert a > b, "the held frame arrives after its successor"


async def test_fault_delay_and_burst(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    await sim.apply_fault(Fault.parse("delay:150"))
    t0 = time.monotonic()
    quote(sim)
    await recv_json(ws)
    assert time.monotonic() - t0 >= 0.14
    await sim.apply_fault(Fault.parse("burst:3000"))
    got = 0
    with anyio.fail_after(TIMEOUT):
        while got < 50:  # ~1/3 of a burst over 3 symbols is BTC quotes; some arrive without pause
            await ws.recv()
            got += 1


async def test_http_test_api_applies_faults_and_injects_frames(sim: BinanceSimulator) -> None:
    ws = await subscribed(sim)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.http_url}/__sim/connections") as r:
            conns = await r.json()
        assert conns[0]["topics"] == ["btcusdt@bookTicker"]
        async with http.post(f"{sim.http_url}/__sim/inject", json={"frame": '{"exact":"frame"}'}) as r:
            assert (await r.json())["touched"] == 1
        assert await recv_json(ws) == {"exact": "frame"}
        async with http.post(f"{sim.http_url}/__sim/fault", json={"fault": "bogus"}) as r:
            assert r.status == 400
        async with http.post(f"{sim.http_url}/__sim/fault", json={"fault": "close:4000", "conn": conns[0]["id"]}) as r:
            assert (await r.json())["touched"] == 1
    with anyio.fail_after(TIMEOUT), pytest.raises(websockets.ConnectionClosed):
        await ws.recv()


async def test_tls_with_the_generated_ca() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=1, market=False, tls=True)) as s:
        assert s.ws_url.startswith("wss://") and s.ca_path is not None and s.ca_path.exists()
        async with connect(f"{s.ws_url}/ws/btcusdt@bookTicker", ssl=client_tls(s.ca_path)) as ws:
            await until_subscribed(s, 1)
            quote(s)
            assert (await recv_json(ws))["e"] == "bookTicker"


async def test_replay_of_recorded_frames(tmp_path: Path) -> None:
    recorded = [
        sample("binance-usdm", "ws_combined_stream_wrapper.json"),
        sample("binance-usdm", "ws_markPrice.json"),
    ]
    path = tmp_path / "rec.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        for i, frame in enumerate(recorded):
            fh.write(json.dumps({"recv_ns": 1_000 + i * 2_000_000, "frame": json.dumps(frame)}) + "\n")
    # One socket takes both categories of this recording only where routes are lenient.
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=3, market=False, routes="lenient")) as sim,
        connect(f"{sim.ws_url}/stream?streams=sushiusdt@bookTicker/btcusdt@markPrice@1s") as ws,
    ):
        await until_subscribed(sim, 2)
        n = await replay(read_frames(path, sim.topic_of), sim.publish_raw, speed=1.0)
        assert n == 2
        assert await recv_json(ws) == recorded[0]
        assert await recv_json(ws) == recorded[1]
