"""The Binance USD-M simulator: REST under `/fapi`, WebSocket on the legacy (`/ws`, `/stream`) and the
category routes (`/public/...`, `/market/...`), with the venue's limits and error bodies."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import anyio
import attrs
import msgspec
from aiohttp import WSMsgType, web

from violet.sim.binance import frames
from violet.sim.binance.exchange_info import exchange_info, venue_symbol
from violet.sim.binance.rest_limits import WeightLimiter
from violet.sim.binance.signing import check_signed
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.faults import FaultKind, corrupt_price
from violet.sim.engine.market import MarketEvent, MarkEvent, QuoteEvent, TradeEvent
from violet.sim.engine.simulator import SimConfig, SimulatorCore

_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_DEPTH_WEIGHT = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}


@attrs.frozen(kw_only=True)
class BinanceSimConfig(SimConfig):
    weight_limit: int = 2400
    ban_after_429: int = 3
    ban_s: int = 120
    credentials: tuple[tuple[str, str], ...] = ()
    """Accepted (api_key, secret) pairs. Empty by default: placeholder keys are refused, as by Binance."""
    extra_time_in_force: tuple[str, ...] = ()
    """Extra timeInForce values in exchangeInfo, e.g. ("RPI",) which strict decoders do not know."""
    stream_limit: int = 1024
    incoming_per_s: int = 10


class BinanceSimulator(SimulatorCore):
    venue = "binance"
    config: BinanceSimConfig

    def __init__(self, config: BinanceSimConfig | None = None) -> None:
        cfg = config or BinanceSimConfig()
        self.limiter = WeightLimiter(limit=cfg.weight_limit, ban_after=cfg.ban_after_429, ban_s=cfg.ban_s)
        super().__init__(cfg)
        self.symbols = {venue_symbol(i): i for i in self.instruments}
        self._lower = {s.lower(): s for s in self.symbols}
        self.rest_calls: list[str] = []
        self.control_requests: Counter[str] = Counter()
        """Control frames received, by method (e.g. how many SUBSCRIBE frames a client needed)."""

    # -- routes ---------------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/fapi/v1/ping", self._ping)
        r.add_get("/fapi/v1/time", self._time)
        r.add_get("/fapi/v1/exchangeInfo", self._exchange_info)
        r.add_get("/fapi/v1/depth", self._depth)
        r.add_get("/fapi/v1/ticker/bookTicker", self._book_ticker_rest)
        r.add_get("/fapi/v1/premiumIndex", self._premium_index)
        r.add_get("/fapi/v2/account", self._account)
        r.add_get("/fapi/v3/positionRisk", self._position_risk)
        for prefix in ("", "/public", "/market"):
            r.add_get(f"{prefix}/ws", self._ws)
            r.add_get(f"{prefix}/ws/{{tail:.*}}", self._ws)
            r.add_get(f"{prefix}/stream", self._ws)

    # -- REST -----------------------------------------------------------------------------------------
    def _charge(self, request: web.Request, weight: int) -> tuple[web.Response | None, dict[str, str]]:
        self.rest_calls.append(request.path)
        verdict = self.limiter.charge(request.remote or "?", weight, time.time())
        headers = {"X-MBX-USED-WEIGHT-1M": str(verdict.used)}
        if verdict.status == 200:
            return None, headers
        headers["Retry-After"] = str(verdict.retry_after_s)
        msg = (
            f"Way too much request weight used; IP banned until {int((time.time() + verdict.retry_after_s) * 1000)}."
            if verdict.status == 418
            else "Too much request weight used; current limit is "
            f"{self.config.weight_limit} request weight per 1 MINUTE. Please use WebSocket Streams for live "
            "updates to avoid polling the API."
        )
        return _error(verdict.status, -1003, msg, headers), headers

    async def _ping(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        return refusal or web.json_response({}, headers=headers)

    async def _time(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        return refusal or web.json_response({"serverTime": _now_ms()}, headers=headers)

    async def _exchange_info(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        if refusal:
            return refusal
        body = exchange_info(
            self.instruments,
            _now_ms(),
            weight_limit=self.config.weight_limit,
            extra_time_in_force=self.config.extra_time_in_force,
        )
        return _json(body, headers)

    def _symbol_param(self, request: web.Request, headers: dict[str, str]) -> tuple[str | None, web.Response | None]:
        symbol = request.query.get("symbol")
        if symbol is None:
            return None, _error(
                400,
                -1102,
                "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
                headers,
            )
        if symbol not in self.symbols:
            return None, _error(400, -1121, "Invalid symbol.", headers)
        return symbol, None

    async def _depth(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "500"))
        except ValueError:
            limit = -1
        refusal, headers = self._charge(request, _DEPTH_WEIGHT.get(limit, 10))
        if refusal:
            return refusal
        symbol, err = self._symbol_param(request, headers)
        if err or symbol is None:
            return err or _error(400, -1121, "Invalid symbol.", headers)
        if limit not in _DEPTH_WEIGHT:
            return _error(400, -1130, "Data sent for parameter 'limit' is not valid.", headers)
        q = self.market.quote(self.symbols[symbol].base, _now_ms())
        now = _now_ms()
        body = {
            "lastUpdateId": q.update_id,
            "E": now,
            "T": now,
            "bids": [[q.bid, q.bid_qty]],
            "asks": [[q.ask, q.ask_qty]],
        }
        return _json(body, headers)

    async def _book_ticker_rest(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 2)
        if refusal:
            return refusal
        rows = []
        wanted = [request.query["symbol"]] if "symbol" in request.query else list(self.symbols)
        for symbol in wanted:
            if symbol not in self.symbols:
                return _error(400, -1121, "Invalid symbol.", headers)
            q = self.market.quote(self.symbols[symbol].base, _now_ms())
            rows.append(
                {
                    "symbol": symbol,
                    "bidPrice": q.bid,
                    "bidQty": q.bid_qty,
                    "askPrice": q.ask,
                    "askQty": q.ask_qty,
                    "time": q.ts_ms,
                    "lastUpdateId": q.update_id,
                }
            )
        return _json(rows[0] if "symbol" in request.query else rows, headers)

    async def _premium_index(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        if refusal:
            return refusal
        symbol, err = self._symbol_param(request, headers)
        if err or symbol is None:
            return err or _error(400, -1121, "Invalid symbol.", headers)
        m = self.market.mark(self.symbols[symbol].base, _now_ms())
        return _json(
            {
                "symbol": symbol,
                "markPrice": m.mark,
                "indexPrice": m.index,
                "estimatedSettlePrice": m.index,
                "lastFundingRate": m.funding_rate,
                "nextFundingTime": m.next_funding_ms,
                "interestRate": "0.00010000",
                "time": m.ts_ms,
            },
            headers,
        )

    def _signed(self, request: web.Request, headers: dict[str, str]) -> web.Response | None:
        err = check_signed(
            api_key=request.headers.get("X-MBX-APIKEY"),
            raw_query=request.query_string,
            credentials=dict(self.config.credentials),
            server_ms=_now_ms(),
        )
        return None if err is None else _error(err.status, err.code, err.msg, headers)

    async def _account(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 5)
        refusal = refusal or self._signed(request, headers)
        if refusal:
            return refusal
        zero = "0.00000000"
        asset = {
            k: zero
            for k in (
                "walletBalance",
                "unrealizedProfit",
                "marginBalance",
                "maintMargin",
                "initialMargin",
                "positionInitialMargin",
                "openOrderInitialMargin",
                "crossWalletBalance",
                "crossUnPnl",
                "availableBalance",
                "maxWithdrawAmount",
            )
        }
        body = {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "updateTime": 0,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
            **{
                k: zero
                for k in (
                    "totalInitialMargin",
                    "totalMaintMargin",
                    "totalWalletBalance",
                    "totalUnrealizedProfit",
                    "totalMarginBalance",
                    "totalPositionInitialMargin",
                    "totalOpenOrderInitialMargin",
                    "totalCrossWalletBalance",
                    "totalCrossUnPnl",
                    "availableBalance",
                    "maxWithdrawAmount",
                )
            },
            "assets": [{"asset": "USDT", **asset, "marginAvailable": True, "updateTime": 0}],
            "positions": [],
        }
        return _json(body, headers)

    async def _position_risk(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 5)
        refusal = refusal or self._signed(request, headers)
        return refusal or _json([], headers)

    # -- WebSocket ------------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.accepting:
            return web.Response(status=503, text="Service Unavailable")
        combined = request.path.endswith("/stream")
        if combined:
            initial = [s for s in request.query.get("streams", "").split("/") if s]
        else:
            initial = [s for s in request.match_info.get("tail", "").split("/") if s]
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = self.register(ws, request, encode=_identity)
        conn.properties["combined"] = combined
        for name in initial:
            if frames.parse_stream(name) is not None and len(conn.topics) < self.config.stream_limit:
                self.subscribe(conn, name)
        last_pong = [time.monotonic()]
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(conn.write_loop)
                tg.start_soon(self._heartbeat, conn, last_pong)
                tg.start_soon(self._lifetime, conn)
                await self._read_loop(conn, last_pong)
                tg.cancel_scope.cancel()
        finally:
            self.unregister(conn)
            if not ws.closed:
                with anyio.move_on_after(1, shield=True):
                    await ws.close()
        return ws

    async def _read_loop(self, conn: SimConnection, last_pong: list[float]) -> None:
        ws = conn.ws
        recent: list[float] = []
        async for msg in ws:
            now = time.monotonic()
            recent = [t for t in recent if now - t < 1.0]
            recent.append(now)
            if len(recent) > self.config.incoming_per_s:
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
                last_pong[0] = now
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
    def frames_for(self, event: MarketEvent) -> Iterable[tuple[str, Outgoing]]:
        symbol = venue_symbol(event.inst)
        low = symbol.lower()
        index = self.topic_index
        if isinstance(event, QuoteEvent):
            topic = f"{low}@bookTicker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.book_ticker(event, symbol),
                        (symbol, "quote", event.ts_ms, f"{event.bid}/{event.ask}"),
                    ),
                )
        elif isinstance(event, TradeEvent):
            log = (symbol, "trade", event.ts_ms, event.price)
            topic = f"{low}@trade"
            if topic in index:
                yield topic, Outgoing(frames.trade(event, symbol), log)
            topic = f"{low}@aggTrade"
            if topic in index:
                yield topic, Outgoing(frames.agg_trade(event, symbol), log)
        else:
            payload = None
            for topic in (f"{low}@markPrice@1s", f"{low}@markPrice"):
                if topic in index:
                    payload = payload or frames.mark_price(event, symbol)
                    yield topic, Outgoing(payload, None)

    def adjust(self, conn: SimConnection, event: MarketEvent, topic: str, out: Outgoing) -> Outgoing:
        text = out.text
        if conn.faults.pending and not isinstance(event, MarkEvent):
            kind = conn.faults.take_value_fault(quote=isinstance(event, QuoteEvent))
            if kind is not None:
                text = self._corrupt(event, kind)
        if conn.properties.get("combined"):
            text = frames.combined(topic, text)
        return Outgoing(text, out.log) if text is not out.text else out

    def _corrupt(self, event: QuoteEvent | TradeEvent, kind: FaultKind) -> str:
        symbol = venue_symbol(event.inst)
        if isinstance(event, QuoteEvent):
            if kind is FaultKind.CROSSED:
                return (
                    frames.book_ticker(event, symbol, bid=event.ask, ask=event.bid)
                    if event.bid != event.ask
                    else (frames.book_ticker(event, symbol, bid=event.ask + "1", ask=event.bid))
                )
            return frames.book_ticker(event, symbol, bid=corrupt_price(kind, event.bid))
        return frames.trade(event, symbol, price=corrupt_price(kind, event.price))

    def topic_of(self, frame: str) -> tuple[str, str] | None:
        try:
            msg = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return None
        if not isinstance(msg, dict):
            return None
        if "stream" in msg and "data" in msg:
            return str(msg["stream"]), msgspec.json.encode(msg["data"]).decode()
        kind, symbol = msg.get("e"), msg.get("s")
        names = {
            "bookTicker": "bookTicker",
            "aggTrade": "aggTrade",
            "trade": "trade",
            "markPriceUpdate": "markPrice@1s",
        }
        if isinstance(kind, str) and isinstance(symbol, str) and kind in names:
            return f"{symbol.lower()}@{names[kind]}", frame
        return None

    def wrap_for(self, conn: SimConnection, topic: str, payload: str) -> str:
        """A payload as this connection receives it (combined wrapper or raw)."""
        return frames.combined(topic, payload) if conn.properties.get("combined") else payload


def _identity(text: str) -> str:
    return text


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _json(body: Any, headers: dict[str, str]) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), content_type="application/json", headers=headers)


def _error(status: int, code: int, msg: str, headers: dict[str, str]) -> web.Response:
    return web.Response(
        status=status,
        body=msgspec.json.encode({"code": code, "msg": msg}),
        content_type="application/json",
        headers=headers,
    )


def _ws_error(code: int, msg: str) -> str:
    return msgspec.json.encode({"code": code, "msg": msg}).decode()


def _result(result: Any, req_id: int) -> str:
    return msgspec.json.encode({"result": result, "id": req_id}).decode()
