"""The Binance simulator's WebSocket side: legacy and category routes, live control messages (SUBSCRIBE, ...),
the incoming-message limit, server pings and the pong timeout, the 24 h lifetime."""

from __future__ import annotations

import functools
import time
from collections import Counter
from typing import Any

import anyio
import msgspec
from aiohttp import WSMsgType, web

from violet.sim.binance import frames
from violet.sim.binance.config import BinanceSimConfig
from violet.sim.engine import routes
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.rate_window import OneSecondWindow
from violet.sim.engine.simulator import SimulatorCore

_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")


class BinanceWebSocket(SimulatorCore):
    config: BinanceSimConfig
    control_requests: Counter[str]
    connects_by_route: Counter[str]
    """WebSocket connections accepted per route ("public", "market", "" for the legacy root)."""
    silenced_subscriptions: int = 0
    """Subscriptions acknowledged on a route that does not serve them (never sent; see the config's `routes`)."""

    # -- WebSocket ------------------------------------------------------------------------------------
    # The legacy root and the category routes of 2026, each as raw streams (`/ws/<streams>`) or combined.
    @routes.get(
        *(f"{route}{tail}" for route in ("", "/public", "/market") for tail in ("/ws", "/ws/{tail:.*}", "/stream"))
    )
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.accepting:
            return web.Response(status=503, text="Service Unavailable")
        combined = request.path.endswith("/stream")
        if combined:
            initial = [s for s in request.query.get("streams", "").split("/") if s]
        else:
            initial = [s for s in request.match_info.get("tail", "").split("/") if s]
        route = request.path.split("/")[1] if request.path.startswith(("/public/", "/market/")) else ""
        delay_ms = dict(self.config.handshake_delay_ms).get(route, 0.0)
        if delay_ms:
            await anyio.sleep(delay_ms / 1000)
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = self.register(ws, request, encode=_identity)
        conn.properties["combined"] = combined
        conn.properties["route"] = route
        self.connects_by_route[route] += 1
        for name in initial:
            if frames.parse_stream(name) is not None and len(conn.topics) < self.config.stream_limit:
                self.subscribe(conn, name)
        last_pong = [time.monotonic()]
        await self.serve_connection(
            conn,
            functools.partial(self._read_loop, conn, last_pong),
            functools.partial(self._heartbeat, conn, last_pong),
            functools.partial(self._lifetime, conn),
        )
        return ws

    async def _read_loop(self, conn: SimConnection, last_pong: list[float]) -> None:
        ws = conn.ws
        window = OneSecondWindow(self.config.incoming_per_s)
        async for msg in ws:
            if window.exceeded_by_one_more():
                conn.close_reason = "too many incoming messages"
                await conn.close(1008, b"Too many requests")
                return
            if msg.type is WSMsgType.TEXT:
                reply = self._control(conn, msg.data)
                if reply is not None:
                    conn.offer(Outgoing(reply, None))
            elif msg.type is WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type is WSMsgType.PONG:
                last_pong[0] = time.monotonic()
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return

    async def _heartbeat(self, conn: SimConnection, last_pong: list[float]) -> None:
        while not conn.ws.closed:
            await anyio.sleep(self.config.ping_interval_s)
            if time.monotonic() - last_pong[0] > self.config.pong_timeout_s:
                conn.close_reason = "no pong"
                await conn.close(1008, b"Pong timeout")
                return
            if not conn.faults.stalled:
                await conn.ws.ping(b"")

    def subscribe(self, conn: SimConnection, topic: str) -> None:
        if self.config.routes == "enforced" and not frames.route_serves(str(conn.properties.get("route", "")), topic):
            conn.topics.add(topic)  # acknowledged and listed like any other, and never sent: no error, no close
            self.silenced_subscriptions += 1
            return
        super().subscribe(conn, topic)

    async def _lifetime(self, conn: SimConnection) -> None:
        await anyio.sleep(self.config.max_lifetime_s)
        conn.close_reason = "24h lifetime"
        await conn.close(1000, b"")

    def _control(self, conn: SimConnection, text: str) -> str | None:
        try:
            req = msgspec.json.decode(text)
        except msgspec.DecodeError as exc:
            return _ws_error(3, f"Invalid JSON: {exc}")
        if not isinstance(req, dict):
            return _ws_error(3, "Invalid JSON: expected an object")
        method = req.get("method")
        req_id = req.get("id")
        if not isinstance(req_id, int) or isinstance(req_id, bool) or req_id < 0:
            return _ws_error(2, "Invalid request: request ID must be an unsigned integer")
        if method not in _METHODS:
            return _ws_error(
                2,
                f"Invalid request: unknown variant `{method}`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28",
            )
        self.control_requests[method] += 1
        params = req.get("params", [])
        if method == "LIST_SUBSCRIPTIONS":
            return _result(sorted(conn.topics), req_id)
        if not isinstance(params, list):
            return _ws_error(2, "Invalid request: params must be an array")
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not all(isinstance(p, str) for p in params):
                return _ws_error(2, "Invalid request: stream names must be strings")
            if method == "SUBSCRIBE":
                new = [p for p in params if p not in conn.topics]
                if len(conn.topics) + len(new) > self.config.stream_limit:
                    return _ws_error(
                        2,
                        f"Invalid request: a connection can listen to at most {self.config.stream_limit} streams",
                    )
                for p in new:
                    self.subscribe(conn, p)
            else:
                for p in params:
                    self.unsubscribe(conn, p)
            return _result(None, req_id)
        if not params or not isinstance(params[0], str):
            return _ws_error(2, "Invalid request: property name must be a string")
        if params[0] != "combined":
            return _ws_error(0, "Unknown property")
        if method == "GET_PROPERTY":
            return _result(conn.properties["combined"], req_id)
        if len(params) < 2 or not isinstance(params[1], bool):
            return _ws_error(1, "Invalid value type: expected Boolean")
        conn.properties["combined"] = params[1]
        return _result(None, req_id)

    # -- market events -> frames ----------------------------------------------------------------------


def _identity(text: str) -> str:
    return text


def _ws_error(code: int, msg: str) -> str:
    return msgspec.json.encode({"code": code, "msg": msg}).decode()


def _result(result: Any, req_id: int) -> str:
    return msgspec.json.encode({"result": result, "id": req_id}).decode()
