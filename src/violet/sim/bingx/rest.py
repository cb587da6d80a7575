"""The BingX simulator's REST side: swap quote endpoints and contracts, HTTP 200 with the venue's non-zero codes,
the request limit and ban, coin-M and spot refused."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from aiohttp import web

from violet.sim.bingx.config import BingxSimConfig
from violet.sim.engine import routes
from violet.sim.engine.faults import Fault, FaultKind
from violet.sim.engine.market import QuoteEvent
from violet.sim.engine.shared_market import daily_quote_volumes
from violet.sim.engine.simulator import SimulatorCore
from violet.sim.engine.universe import Instrument

BINGX_DAILY_QUOTE_VOLUME = 6e9
"""USDT a day across the simulated swap contracts (assumption: a tenth of the Binance simulator's; no recording)."""


class BingxRest(SimulatorCore):
    contracts_need_timestamp = False
    paused_until: dict[str, float]
    """Symbol -> monotonic time its pause (fault `pause:SYMBOL:SECONDS`) ends."""
    """`contracts-need-timestamp` (fault): swap contracts without a `timestamp` parameter get HTTP 400, 104414."""

    def apply_venue_fault(self, fault: Fault) -> None:
        if fault.kind is FaultKind.CONTRACTS_NEED_TIMESTAMP:
            self.contracts_need_timestamp = True
            return
        if fault.kind is FaultKind.PAUSE:
            self.paused_until[fault.channel] = time.monotonic() + fault.delay_ms / 1000
            return
        super().apply_venue_fault(fault)

    config: BingxSimConfig
    symbols: dict[str, Instrument]
    rest_calls: list[str]
    _rest_hits: dict[tuple[str, str], list[float]]
    _rest_banned: dict[str, float]

    def is_paused(self, symbol: str) -> bool:
        """Status 25: listed, refused on the socket (from the config, or for a while by a `pause` fault); a delisted
        contract (status 0) is refused on the socket too."""
        if symbol in self.config.paused_symbols:
            return True
        inst = self.symbols.get(symbol)
        if inst is not None and inst.base in self.delisted:
            return True
        until = self.paused_until.get(symbol)
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        del self.paused_until[symbol]
        return False

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

    def _limited_symbol(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        """The request's `symbol` (None: not given), or the refusal: over the rate limit, or an unknown symbol."""
        refused = self._limit(request)
        if refused:
            return None, refused
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

    # Other market families share the REST host; clients that list every family ask them too.
    @routes.get("/openApi/cswap/v1/market/contracts")
    async def _no_coin_m(self, request: web.Request) -> web.Response:
        return self._limit(request) or web.json_response(
            {"code": 0, "msg": "", "timestamp": self.clock.now_ms(), "data": []}, headers=self._headers(request)
        )

    @routes.get("/openApi/spot/v1/common/symbols")
    async def _no_spot(self, request: web.Request) -> web.Response:
        return self._limit(request) or web.json_response(
            {"code": 0, "msg": "", "debugMsg": "", "data": {"symbols": []}}, headers=self._headers(request)
        )

    @routes.get("/openApi/swap/v2/server/time")
    async def _server_time(self, request: web.Request) -> web.Response:
        return self._limit(request) or self._ok(request, {"serverTime": self.clock.now_ms()})

    @routes.get("/openApi/swap/v2/quote/contracts")
    async def _contracts(self, request: web.Request) -> web.Response:
        refused = self._limit(request)
        if refused:
            return refused
        if self.contracts_need_timestamp and not request.query.get("timestamp", "").isdigit():
            # As the venue answers coin-M contracts without a timestamp (PROTOCOL.md, the recorded 400).
            return web.json_response(
                {"code": 104414, "msg": "Invalid parameter", "retryable": 0}, status=400, headers=self._headers(request)
            )
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
                    "status": 0 if inst.base in self.delisted else 25 if self.is_paused(symbol) else 1,
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
        return self.market.quote(self.symbols[symbol].base, self.clock.now_ms())

    @routes.get("/openApi/swap/v2/quote/ticker")
    async def _ticker(self, request: web.Request) -> web.Response:
        symbol, refused = self._limited_symbol(request)
        if refused:
            return refused
        rows = []
        volumes = daily_quote_volumes(self.instruments, BINGX_DAILY_QUOTE_VOLUME)
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
                    "volume": f"{float(volumes[self.symbols[sym].base]) / float(q.bid):.4f}",
                    "quoteVolume": volumes[self.symbols[sym].base],
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

    @routes.get("/openApi/swap/v2/quote/bookTicker")
    async def _book_ticker(self, request: web.Request) -> web.Response:
        symbol, refused = self._limited_symbol(request)
        if refused:
            return refused
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
