"""The BingX swap simulator: `/swap-market` (gzip binary frames, Ping/Pong, sub/unsub acks and the
venue's error codes and limits) and the swap REST quote endpoints (HTTP 200 with non-zero codes)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import anyio
import attrs
import msgspec
from aiohttp import WSMsgType, web

from violet.sim.bingx import frames
from violet.sim.engine.connection import Encoder, Outgoing, SimConnection
from violet.sim.engine.faults import Fault, FaultKind, corrupt_price
from violet.sim.engine.market import MarketEvent, MarkEvent, QuoteEvent, TradeEvent
from violet.sim.engine.send_log import SendLog
from violet.sim.engine.simulator import SimConfig, SimulatorCore

PING = "Ping"
STALE_LAG_MS = 5 * 60_000


@attrs.frozen(kw_only=True)
class BingxSimConfig(SimConfig):
    ping_interval_s: float = 5.0
    pong_timeout_s: float = 30.0
    max_topics: int = 200
    subscribe_per_s: int = 10
    """More subscribe/unsubscribe requests than this in one second and the socket is dropped."""
    rest_limit: int = 500
    rest_window_s: float = 10.0
    rest_ban_s: float = 300.0
    leak_refused: bool = True
    """A refused topic (80403) still leaks one data frame, as observed live."""
    paused_symbols: tuple[str, ...] = ()
    """Contracts in status 25: listed over REST, refused (80015) on the socket."""


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


class BingxSimulator(SimulatorCore):
    venue = "bingx"
    config: BingxSimConfig

    def __init__(self, config: BingxSimConfig | None = None) -> None:
        super().__init__(config or BingxSimConfig())
        self.symbols = {frames.venue_symbol(i): i for i in self.instruments}
        self._last_trade: dict[str, TradeEvent] = {}
        self._rest_hits: dict[tuple[str, str], list[float]] = {}
        self._rest_banned: dict[str, float] = {}
        self.rest_calls: list[str] = []

    def make_connection(
        self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, **kw: Any
    ) -> SimConnection:
        encode: Encoder = kw.pop("encode", _gz)
        send_log: SendLog = kw.pop("send_log", self.send_log)
        return BingxConnection(conn_id, ws, request, encode=encode, send_log=send_log, **kw)

    # -- routes ---------------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/swap-market", self._ws)
        r.add_get("/openApi/swap/v2/server/time", self._server_time)
        r.add_get("/openApi/swap/v2/quote/contracts", self._contracts)
        r.add_get("/openApi/swap/v2/quote/ticker", self._ticker)
        r.add_get("/openApi/swap/v2/quote/bookTicker", self._book_ticker)
        # Other market families share the REST host; clients that list every family ask them too.
        r.add_get("/openApi/cswap/v1/market/contracts", self._no_coin_m)
        r.add_get("/openApi/spot/v1/common/symbols", self._no_spot)

    # -- REST -----------------------------------------------------------------------------------------
    def _limit(self, request: web.Request) -> web.Response | None:
        """500 requests per 10 s per IP per endpoint (fixed window); 429, then 418 (ban) for those who go on."""
        self.rest_calls.append(request.path)
        ip, now = request.remote or "?", time.monotonic()
        if self._rest_banned.get(ip, 0.0) > now:
            return web.json_response({"code": 100410, "msg": "IP banned for exceeding the rate limit"}, status=418)
        key = (ip, request.path)
        window = int(now // self.config.rest_window_s)
        hits = [t for t in self._rest_hits.get(key, []) if int(t // self.config.rest_window_s) == window]
        hits.append(now)
        self._rest_hits[key] = hits
        remain = self.config.rest_limit - len(hits)
        if remain < -self.config.rest_limit // 10:
            self._rest_banned[ip] = now + self.config.rest_ban_s
            return web.json_response({"code": 100410, "msg": "IP banned for exceeding the rate limit"}, status=418)
        if remain < 0:
            return web.json_response({"code": 100410, "msg": "rate limited"}, status=429)
        return None

    def _headers(self, request: web.Request) -> dict[str, str]:
        key = (request.remote or "?", request.path)
        now = time.monotonic()
        expire = (int(now // self.config.rest_window_s) + 1) * self.config.rest_window_s - now
        return {
            "X-RateLimit-Requests-Remain": str(max(0, self.config.rest_limit - len(self._rest_hits.get(key, [])))),
            "X-RateLimit-Requests-Expire": str(int(expire * 1000)),
        }

    def _ok(self, request: web.Request, data: Any) -> web.Response:
        return web.json_response({"code": 0, "msg": "", "data": data}, headers=self._headers(request))

    def _biz_error(self, request: web.Request, code: int, msg: str) -> web.Response:
        # BingX answers business errors with HTTP 200 and a non-zero code.
        return web.json_response({"code": code, "msg": msg, "data": {}}, headers=self._headers(request))

    def _symbol(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        symbol = request.query.get("symbol")
        if symbol is None:
            return None, None
        if not (symbol.endswith("-USDT") or symbol.endswith("-USDC")):
            return None, self._biz_error(request, 109400, "symbol: This field must end with -USDT or -USDC.")
        if symbol not in self.symbols:
            return None, self._biz_error(
                request, 109425, f"{symbol} not exist, please verify it in api: /openApi/swap/v2/quote/contracts"
            )
        return symbol, None

    async def _no_coin_m(self, request: web.Request) -> web.Response:
        return self._limit(request) or web.json_response(
            {"code": 0, "msg": "", "timestamp": time.time_ns() // 1_000_000, "data": []}, headers=self._headers(request)
        )

    async def _no_spot(self, request: web.Request) -> web.Response:
        return self._limit(request) or web.json_response(
            {"code": 0, "msg": "", "debugMsg": "", "data": {"symbols": []}}, headers=self._headers(request)
        )

    async def _server_time(self, request: web.Request) -> web.Response:
        return self._limit(request) or self._ok(request, {"serverTime": time.time_ns() // 1_000_000})

    async def _contracts(self, request: web.Request) -> web.Response:
        refused = self._limit(request)
        if refused:
            return refused
        rows = []
        for i, (symbol, inst) in enumerate(self.symbols.items()):
            rows.append(
                {
                    "contractId": str(100 + i),
                    "symbol": symbol,
                    "quantityPrecision": inst.qty_decimals,
                    "pricePrecision": inst.price_decimals,
                    "makerFeeRate": 0.0002,
                    "takerFeeRate": 0.0005,
                    "tradeMinQuantity": float(Decimal(1).scaleb(-inst.qty_decimals)),
                    "tradeMinUSDT": 2,
                    "currency": "USDT",
                    "asset": inst.base,
                    "status": 25 if symbol in self.config.paused_symbols else 1,
                    "apiStateOpen": "true",
                    "apiStateClose": "true",
                    "ensureTrigger": True,
                    "triggerFeeRate": "0.00050000",
                    "brokerState": True,
                    "launchTime": 1_600_000_000_000,
                    "maintainTime": 0,
                    "offTime": 0,
                    "displayName": symbol,
                }
            )
        return self._ok(request, rows)

    def _quote_now(self, symbol: str) -> QuoteEvent:
        return self.market.quote(self.symbols[symbol].base, time.time_ns() // 1_000_000)

    async def _ticker(self, request: web.Request) -> web.Response:
        refused = self._limit(request)
        if refused:
            return refused
        symbol, err = self._symbol(request)
        if err:
            return err
        rows = []
        for sym in [symbol] if symbol else list(self.symbols):
            q = self._quote_now(sym)
            rows.append(
                {
                    "symbol": sym,
                    "priceChange": "0",
                    "priceChangePercent": "0",
                    "lastPrice": q.bid,
                    "lastQty": q.bid_qty,
                    "highPrice": q.ask,
                    "lowPrice": q.bid,
                    "volume": "1000",
                    "quoteVolume": "1000000",
                    "openPrice": q.bid,
                    "openTime": q.ts_ms - 86_400_000,
                    "closeTime": q.ts_ms,
                    "askPrice": q.ask,
                    "askQty": q.ask_qty,
                    "bidPrice": q.bid,
                    "bidQty": q.bid_qty,
                }
            )
        return self._ok(request, rows[0] if symbol else rows)

    async def _book_ticker(self, request: web.Request) -> web.Response:
        refused = self._limit(request)
        if refused:
            return refused
        symbol, err = self._symbol(request)
        if err:
            return err
        if symbol is None:
            return self._biz_error(request, 109400, "symbol: This field is required.")
        q = self._quote_now(symbol)
        return self._ok(
            request,
            {
                "book_ticker": {
                    "symbol": symbol,
                    "bid_price": float(q.bid),
                    "bid_qty": float(q.bid_qty),
                    "ask_price": float(q.ask),
                    "ask_qty": float(q.ask_qty),
                }
            },
        )

    # -- WebSocket ------------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.accepting:
            return web.Response(status=503, text="Service Unavailable")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1 << 16, compress=False)
        await ws.prepare(request)
        conn = self.register(ws, request)
        last_pong = [time.monotonic()]
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(conn.write_loop)
                tg.start_soon(self._heartbeat, conn, last_pong)
                await self._read_loop(conn, last_pong)
                tg.cancel_scope.cancel()
        finally:
            self.unregister(conn)
            if not ws.closed:
                with anyio.move_on_after(1, shield=True):
                    await ws.close()
        return ws

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
        recent: list[float] = []
        async for msg in conn.ws:
            if msg.type is WSMsgType.TEXT:
                text = msg.data
                if text == "Pong":
                    last_pong[0] = time.monotonic()
                    continue
                if text.startswith("{") and '"pong"' in text:
                    last_pong[0] = time.monotonic()
                    continue
                now = time.monotonic()
                recent = [t for t in recent if now - t < 1.0]
                recent.append(now)
                if len(recent) > self.config.subscribe_per_s:
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
        if symbol not in self.symbols or symbol in self.config.paused_symbols:
            return False
        if channel in ("bookTicker", "trade", "lastPrice", "markPrice", "ticker"):
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
        now = time.time_ns() // 1_000_000
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

    # -- market events -> frames ----------------------------------------------------------------------
    def frames_for(self, event: MarketEvent) -> Iterable[tuple[str, Outgoing]]:
        symbol = frames.venue_symbol(event.inst)
        index = self.topic_index
        if isinstance(event, QuoteEvent):
            topic = f"{symbol}@bookTicker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.book_ticker(event, symbol)),
                        (symbol, "quote", event.ts_ms, f"{event.bid}/{event.ask}"),
                    ),
                )
            last = self._last_trade.get(symbol)
            topic = f"{symbol}@ticker"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.ticker(event, symbol, last.price if last else event.bid)), None
                    ),
                )
            tick = 1
            for levels, interval in ((5, "500ms"), (20, "100ms")):
                topic = f"{symbol}@depth{levels}@{interval}"
                if topic in index:
                    yield (
                        topic,
                        Outgoing(
                            frames.envelope(
                                topic, frames.depth(event, levels, tick, event.inst.price_decimals), event.ts_ms
                            ),
                            None,
                        ),
                    )
        elif isinstance(event, TradeEvent):
            self._last_trade[symbol] = event
            topic = f"{symbol}@trade"
            if topic in index:
                yield (
                    topic,
                    Outgoing(
                        frames.envelope(topic, frames.trades([event], symbol)),
                        (symbol, "trade", event.ts_ms, event.price),
                    ),
                )
            topic = f"{symbol}@lastPrice"
            if topic in index:
                yield topic, Outgoing(frames.envelope(topic, frames.last_price(event, symbol)), None)
        else:
            assert isinstance(event, MarkEvent)
            topic = f"{symbol}@markPrice"
            if topic in index:
                yield topic, Outgoing(frames.envelope(topic, frames.mark_price(event, symbol)), None)

    def adjust(self, conn: SimConnection, event: MarketEvent, topic: str, out: Outgoing) -> Outgoing:
        faults = conn.faults
        if not faults.pending or isinstance(event, MarkEvent):
            return out
        symbol = frames.venue_symbol(event.inst)
        if isinstance(event, QuoteEvent) and topic.endswith("@bookTicker"):
            if faults.take(FaultKind.STALE_PUSH):
                return Outgoing(
                    frames.envelope(topic, frames.book_ticker(event, symbol, t_ms=event.ts_ms - STALE_LAG_MS)), out.log
                )
            kind = faults.take_value_fault(quote=True)
            if kind is FaultKind.CROSSED:
                return Outgoing(
                    frames.envelope(topic, frames.book_ticker(event, symbol, bid=event.ask + "1", ask=event.bid)),
                    out.log,
                )
            if kind is not None:
                return Outgoing(
                    frames.envelope(topic, frames.book_ticker(event, symbol, bid=corrupt_price(kind, event.bid))),
                    out.log,
                )
        elif isinstance(event, TradeEvent) and topic.endswith("@trade"):
            kind = faults.take_value_fault(quote=False)
            if kind is not None:
                return Outgoing(
                    frames.envelope(topic, frames.trades([event], symbol, price=corrupt_price(kind, event.price))),
                    out.log,
                )
        return out

    def topic_of(self, frame: str) -> tuple[str, str] | None:
        try:
            msg = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return None
        if isinstance(msg, dict) and isinstance(msg.get("dataType"), str) and msg["dataType"]:
            return msg["dataType"], frame
        return None
