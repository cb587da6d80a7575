"""The BingX simulator's WebSocket side: `/swap-market` with gzip binary frames, the venue's Ping/Pong, sub/unsub
requests with their acks, error codes and limits, and the wire faults only BingX has (corrupt gzip, text frames)."""

from __future__ import annotations

import functools
import gzip
import json
import time
from collections.abc import Callable
from typing import Any

import anyio
from aiohttp import WSMsgType, web

from violet.sim.bingx import frames
from violet.sim.bingx.config import BingxSimConfig
from violet.sim.engine import routes
from violet.sim.engine.connection import Encoder, Outgoing, SimConnection
from violet.sim.engine.faults import Fault, FaultKind
from violet.sim.engine.rate_window import OneSecondWindow
from violet.sim.engine.send_log import SendLog
from violet.sim.engine.simulator import SimulatorCore
from violet.sim.engine.universe import Instrument

PING = "Ping"
STALE_LAG_MS = 1_344_963
"""A stale bookTicker's `T` lags its `E` this much (the frame observed live, PROTOCOL.md section 11)."""
STALE_BID_OFFSET = 0.0025
"""...and its bid sits this far above the live book (212.7 USDT on BTC-USDT near 86,000)."""


class BingxConnection(SimConnection):
    def transform(self, payload: str | bytes) -> str | bytes:
        faults = self.faults
        if faults.pending and isinstance(payload, bytes):
            if faults.take(FaultKind.CORRUPT_GZIP):
                return payload[:12] + b"\x00\xffnot-deflate" + payload[-8:]
            if faults.take(FaultKind.TEXT_FRAME):
                return gzip.decompress(payload).decode()
        return payload


def _gz(text: str) -> bytes:
    return frames.gz(text)


class BingxWebSocket(SimulatorCore):
    config: BingxSimConfig
    symbols: dict[str, Instrument]
    is_paused: Callable[[str], bool]
    """The REST side's (rest.py): a paused contract's topics are refused."""
    refused_sockets: int
    _ip_windows: dict[str, OneSecondWindow]

    def make_connection(
        self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, **kw: Any
    ) -> SimConnection:
        encode: Encoder = kw.pop("encode", _gz)
        send_log: SendLog = kw.pop("send_log", self.send_log)
        return BingxConnection(conn_id, ws, request, encode=encode, send_log=send_log, **kw)

    # -- WebSocket ------------------------------------------------------------------------------------
    @routes.get("/swap-market")
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.accepting:
            return web.Response(status=503, text="Service Unavailable")
        ip = request.remote or "?"
        if sum(1 for c in self.connections.values() if c.peer == ip) >= self.config.max_sockets_per_ip:
            self.refused_sockets += 1
            return web.Response(status=429, text="Too Many Requests: at most 60 sockets per IP")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1 << 16, compress=False)
        await ws.prepare(request)
        conn = self.register(ws, request)
        last_pong = [time.monotonic()]
        await self.serve_connection(
            conn,
            functools.partial(self._read_loop, conn, last_pong),
            functools.partial(self._heartbeat, conn, last_pong),
        )
        return ws

    def _subscribe_window(self, conn: SimConnection) -> OneSecondWindow:
        """The request-rate window this socket's requests count in: its own, or its IP's (`subscribe_scope`)."""
        if self.config.subscribe_scope == "socket":
            return OneSecondWindow(self.config.subscribe_per_s)
        ip = conn.peer
        window = self._ip_windows.get(ip)
        if window is None:
            window = self._ip_windows[ip] = OneSecondWindow(self.config.subscribe_per_s)
        return window

    async def _heartbeat(self, conn: SimConnection, last_pong: list[float]) -> None:
        while not conn.ws.closed:
            await anyio.sleep(self.config.ping_interval_s)
            if time.monotonic() - last_pong[0] > self.config.pong_timeout_s:
                # The venue drops silent clients abruptly: code 1006 at the client, no close frame.
                conn.close_reason = "no pong"
                conn.reset()
                return
            conn.offer(Outgoing(PING, None))

    async def _read_loop(self, conn: SimConnection, last_pong: list[float]) -> None:
        window = self._subscribe_window(conn)
        async for msg in conn.ws:
            if msg.type is WSMsgType.TEXT:
                text = msg.data
                if text == "Pong":
                    last_pong[0] = time.monotonic()
                    continue
                if text.startswith("{") and '"pong"' in text:
                    last_pong[0] = time.monotonic()
                    continue
                if window.exceeded_by_one_more():
                    conn.close_reason = "subscribe rate"
                    await conn.close(1008, b"too many requests")
                    return
                self._request(conn, text)
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return

    def _request(self, conn: SimConnection, text: str) -> None:
        try:
            req = json.loads(text)
        except ValueError:
            return  # junk text: no reply, socket stays open (observed)
        if not isinstance(req, dict):
            return
        req_id, req_type, data_type = req.get("id"), req.get("reqType"), req.get("dataType")
        if isinstance(data_type, list):
            return  # an array dataType: no reply, nothing delivered (observed)
        if (
            not isinstance(req_id, str)
            or not req_id
            or req_type not in ("sub", "unsub")
            or not isinstance(data_type, str)
        ):
            conn.offer(Outgoing(frames.ack(req_id if isinstance(req_id, str) else "", 80014, "invalid params"), None))
            return
        if req_type == "unsub":
            self.unsubscribe(conn, data_type)
            conn.offer(Outgoing(frames.ack(req_id), None))
            return
        if not self._supported(data_type):
            conn.offer(Outgoing(frames.ack(req_id, 80015, "dataType not support"), None))
            return
        if data_type not in conn.topics and len(conn.topics) >= self.config.max_topics:
            conn.offer(Outgoing(frames.ack(req_id, 80403, "your topic num over max 200"), None))
            if self.config.leak_refused:
                self._leak_one(conn, data_type)
            return
        self.subscribe(conn, data_type)
        conn.offer(Outgoing(frames.ack(req_id), None))

    def _supported(self, data_type: str) -> bool:
        symbol, _, channel = data_type.partition("@")
        if symbol not in self.symbols or self.is_paused(symbol):
            return False
        if channel in ("bookTicker", "trade", "lastPrice", "markPrice", "ticker", "incrDepth"):
            return True
        if channel.startswith("depth"):
            level, _, interval = channel.removeprefix("depth").partition("@")
            return (
                level.isdigit()
                and int(level) in frames.DEPTH_LEVELS
                and (not interval or interval in frames.DEPTH_INTERVALS)
            )
        return False

    def _leak_one(self, conn: SimConnection, data_type: str) -> None:
        symbol, _, channel = data_type.partition("@")
        inst = self.symbols[symbol]
        now = self.clock.now_ms()
        if channel == "trade":
            data = frames.trades([self.market.trade(inst.base, now)], symbol)
        else:
            data = frames.book_ticker(self.market.quote(inst.base, now), symbol)
        conn.offer(Outgoing(frames.envelope(data_type, data), None))

    def apply_connection_fault(self, conn: SimConnection, fault: Fault) -> None:
        if fault.kind is FaultKind.PING_STORM:
            for _ in range(fault.count):
                conn.offer(Outgoing(PING, None))
            return
        conn.apply(fault)
