"""The Binance simulator's REST side: `/fapi` market data, the signed endpoints NT's provider calls, the weight
limit with 429 then 418, and the venue's error bodies."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from aiohttp import web

from violet.sim.binance.config import BinanceSimConfig
from violet.sim.binance.exchange_info import exchange_info, market_mix
from violet.sim.binance.rest_limits import WeightLimiter
from violet.sim.binance.signing import check_signed
from violet.sim.engine import routes
from violet.sim.engine.faults import Fault, FaultKind
from violet.sim.engine.shared_market import daily_quote_volumes
from violet.sim.engine.simulator import SimulatorCore
from violet.sim.engine.universe import Instrument

REGION_BLOCK_MSG = (
    "Service unavailable from a restricted location according to 'b. Eligibility' in "
    "https://www.binance.com/en/terms. Please contact customer service if you believe you received this message "
    "in error."
)
"""The body text Binance answers with HTTP 451 from a blocked region (as widely reported by its users)."""
BINANCE_DAILY_QUOTE_VOLUME = 60e9
"""USDT a day across the simulated perpetuals (assumption: the order of USD-M's daily volume; no recording)."""
_DEPTH_WEIGHT = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}


class BinanceRest(SimulatorCore):
    exchange_info_status: int = 200
    """`exchange-info:451` (fault): exchangeInfo answers with this status until `exchange-info:200`."""

    def apply_venue_fault(self, fault: Fault) -> None:
        if fault.kind is FaultKind.EXCHANGE_INFO:
            self.exchange_info_status = fault.code
            return
        super().apply_venue_fault(fault)

    config: BinanceSimConfig
    limiter: WeightLimiter
    symbols: dict[str, Instrument]
    rest_calls: list[str]

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

    @routes.get("/fapi/v1/ping")
    async def _ping(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        return refusal or web.json_response({}, headers=headers)

    @routes.get("/fapi/v1/time")
    async def _time(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        return refusal or web.json_response({"serverTime": self.clock.now_ms()}, headers=headers)

    @routes.get("/fapi/v1/exchangeInfo")
    async def _exchange_info(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        if refusal:
            return refusal
        if self.exchange_info_status != 200:
            # A region block answers before anything else, with Binance's eligibility message (PROTOCOL.md).
            return web.json_response({"code": 0, "msg": REGION_BLOCK_MSG}, status=self.exchange_info_status)
        body = exchange_info(
            self.instruments,
            self.clock.now_ms(),
            weight_limit=self.config.weight_limit,
            extra_time_in_force=self.config.extra_time_in_force,
            mix=self.config.market_mix,
        )
        if self.delisted:
            # A delisted perpetual stays listed for a while in a status other than TRADING (SETTLING, then CLOSE).
            gone = {f"{base}USDT" for base in self.delisted}
            for row in body["symbols"]:
                if row["symbol"] in gone:
                    row["status"] = "SETTLING"
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

    @routes.get("/fapi/v1/depth")
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
        q = self.market.quote(self.symbols[symbol].base, self.clock.now_ms())
        now = self.clock.now_ms()
        body = {
            "lastUpdateId": q.update_id,
            "E": now,
            "T": now,
            "bids": [[q.bid, q.bid_qty]],
            "asks": [[q.ask, q.ask_qty]],
        }
        return _json(body, headers)

    @routes.get("/fapi/v1/ticker/bookTicker")
    async def _book_ticker_rest(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 2)
        if refusal:
            return refusal
        rows = []
        wanted = [request.query["symbol"]] if "symbol" in request.query else list(self.symbols)
        for symbol in wanted:
            if symbol not in self.symbols:
                return _error(400, -1121, "Invalid symbol.", headers)
            q = self.market.quote(self.symbols[symbol].base, self.clock.now_ms())
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

    @routes.get("/fapi/v1/ticker/24hr")
    async def _ticker_24hr(self, request: web.Request) -> web.Response:
        # Weight 1 with a symbol, 40 without (the documented weights); without one, only contracts in TRADING are
        # listed (789 of exchangeInfo's 924 on 2026-10-07, PROTOCOL.md section 10).
        one = "symbol" in request.query
        refusal, headers = self._charge(request, 1 if one else 40)
        if refusal:
            return refusal
        volumes = daily_quote_volumes(self.instruments, BINANCE_DAILY_QUOTE_VOLUME)
        quietest = min(volumes.values(), key=float)
        listed = {symbol: volumes[inst.base] for symbol, inst in self.symbols.items() if inst.base not in self.delisted}
        if self.config.market_mix:
            for row in market_mix(self.instruments):
                if row["status"] == "TRADING":
                    listed.setdefault(row["symbol"], quietest)
        if one:
            symbol = request.query["symbol"]
            if symbol not in listed:
                return _error(400, -1121, "Invalid symbol.", headers)
            listed = {symbol: listed[symbol]}
        now = self.clock.now_ms()
        rows = [self._ticker_row(symbol, volume, now) for symbol, volume in listed.items()]
        return _json(rows[0] if one else rows, headers)

    def _ticker_row(self, symbol: str, quote_volume: str, now_ms: int) -> dict[str, Any]:
        inst = self.symbols.get(symbol)
        last = self.market.quote(inst.base, now_ms).bid if inst is not None else "1.00"
        return {
            "symbol": symbol,
            "priceChange": "0",
            "priceChangePercent": "0.000",
            "weightedAvgPrice": last,
            "lastPrice": last,
            "lastQty": "1",
            "openPrice": last,
            "highPrice": last,
            "lowPrice": last,
            "volume": f"{float(quote_volume) / float(last):.3f}",
            "quoteVolume": quote_volume,
            "openTime": now_ms - 86_400_000,
            "closeTime": now_ms,
            "firstId": 1,
            "lastId": 2,
            "count": 2,
        }

    @routes.get("/fapi/v1/premiumIndex")
    async def _premium_index(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 1)
        if refusal:
            return refusal
        symbol, err = self._symbol_param(request, headers)
        if err or symbol is None:
            return err or _error(400, -1121, "Invalid symbol.", headers)
        m = self.market.mark(self.symbols[symbol].base, self.clock.now_ms())
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
            server_ms=self.clock.now_ms(),
        )
        return None if err is None else _error(err.status, err.code, err.msg, headers)

    @routes.get("/fapi/v2/account")
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

    @routes.get("/fapi/v3/positionRisk")
    async def _position_risk(self, request: web.Request) -> web.Response:
        refusal, headers = self._charge(request, 5)
        refusal = refusal or self._signed(request, headers)
        return refusal or _json([], headers)

    # -- WebSocket ------------------------------------------------------------------------------------


def _json(body: Any, headers: dict[str, str]) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), content_type="application/json", headers=headers)


def _error(status: int, code: int, msg: str, headers: dict[str, str]) -> web.Response:
    return web.Response(
        status=status,
        body=msgspec.json.encode({"code": code, "msg": msg}),
        content_type="application/json",
        headers=headers,
    )
