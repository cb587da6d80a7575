"""The Binance simulator's REST face: shapes, weights, bans and signed-endpoint checks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sim.conftest import sample
from violet.adapters.nt_binance.instruments import parse_exchange_info
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.binance.exchange_info import OTHER_LISTINGS
from violet.sim.engine.faults import Fault

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sim() -> AsyncIterator[BinanceSimulator]:
    cfg = BinanceSimConfig(
        symbols=50, market=False, weight_limit=30, ban_after_429=2, credentials=(("goodkey", "s3cret"),)
    )
    async with BinanceSimulator(cfg) as s:
        yield s


async def get(sim: BinanceSimulator, path: str, **kw: Any) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession() as http, http.get(sim.http_url + path, **kw) as r:
        return r.status, dict(r.headers), await r.json(content_type=None)


def types_of(obj: dict[str, Any]) -> dict[str, type]:
    return {k: type(v) for k, v in obj.items()}


async def test_exchange_info_has_every_recorded_field_with_the_recorded_types(sim: BinanceSimulator) -> None:
    recorded = sample("binance-usdm", "http_fapi_v1_exchangeInfo.json")
    status, headers, body = await get(sim, "/fapi/v1/exchangeInfo")
    assert status == 200
    assert headers["X-MBX-USED-WEIGHT-1M"] == "1"
    assert set(body) == set(recorded)
    assert len(body["symbols"]) == 50 + 5 + 7 + len(OTHER_LISTINGS)  # the perpetuals, quarterlies, USDC, the rest
    want = recorded["symbols"][0]
    for sym in body["symbols"]:
        assert types_of(sym) == types_of(want), sym["symbol"]
        assert [f["filterType"] for f in sym["filters"]] == [f["filterType"] for f in want["filters"]]
        for mine, theirs in zip(sym["filters"], want["filters"], strict=True):
            assert types_of(mine) == types_of(theirs)
    assert body["rateLimits"][0]["limit"] == 30


async def test_exchange_info_lists_what_the_live_one_does_beside_the_usdt_perpetuals(sim: BinanceSimulator) -> None:
    _, _, body = await get(sim, "/fapi/v1/exchangeInfo")
    rows = body["symbols"]
    kinds = {(r["contractType"], r["quoteAsset"], r["underlyingType"], r["status"]) for r in rows}
    assert ("CURRENT_QUARTER", "USDT", "COIN", "TRADING") in kinds
    assert ("PERPETUAL", "USDC", "COIN", "TRADING") in kinds
    assert {r["underlyingType"] for r in rows} >= {"COIN", "EQUITY", "COMMODITY", "INDEX", "FX", "PREMARKET"}
    assert {r["status"] for r in rows} >= {"TRADING", "SETTLING", "PENDING_TRADING"}
    assert any(not r["symbol"].isascii() for r in rows)
    usdt_perps = {
        r["symbol"]
        for r in rows
        if (r["contractType"], r["quoteAsset"], r["underlyingType"], r["status"])
        == ("PERPETUAL", "USDT", "COIN", "TRADING")
        and r["symbol"].isascii()
    }
    simulated = {i.canonical.removesuffix("-PERP") for i in sim.instruments}
    assert usdt_perps - simulated == {"1000000LONGUSDT"}
    # violet's own reading of exchangeInfo keeps every trading perpetual and no quarterly
    parsed = parse_exchange_info(json.dumps(body).encode())
    assert simulated <= {p.venue_symbol for p in parsed.values()}
    assert not any("_" in p.venue_symbol for p in parsed.values())
    assert not {"OLDCOINUSDT", "NEXTCOINUSDT"} & {p.venue_symbol for p in parsed.values()}


async def test_time_ping_and_invalid_symbol(sim: BinanceSimulator) -> None:
    status, _, body = await get(sim, "/fapi/v1/time")
    assert status == 200 and abs(body["serverTime"] - time.time() * 1000) < 5000
    assert (await get(sim, "/fapi/v1/ping"))[2] == {}
    status, _, body = await get(sim, "/fapi/v1/depth?symbol=NOPEUSDT&limit=5")
    assert (status, body) == (400, sample("binance-usdm", "http_error_invalid_symbol.json"))


async def test_weight_limit_gives_429_then_418_with_retry_after(sim: BinanceSimulator) -> None:
    statuses = []
    for _ in range(40):
        status, headers, body = await get(sim, "/fapi/v1/depth?symbol=BTCUSDT&limit=5")  # weight 2
        statuses.append(status)
        if status in (429, 418):
            assert int(headers["Retry-After"]) > 0
            assert body["code"] == -1003
    assert statuses[:15] == [200] * 15
    assert statuses[15:17] == [429, 429]
    assert 418 in statuses[17:]


def signed_query(secret: str, ts_ms: int, recv_window: int = 5000) -> str:
    payload = f"recvWindow={recv_window}&timestamp={ts_ms}"
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}&signature={sig}"


@pytest.mark.parametrize(
    ("key", "secret", "ts_offset_ms", "want_status", "want_code"),
    [
        ("goodkey", "s3cret", 0, 200, None),
        ("placeholder", "placeholder", 0, 401, -2015),
        (None, "s3cret", 0, 401, -2014),
        ("goodkey", "wrong", 0, 400, -1022),
        ("goodkey", "s3cret", -60_000, 400, -1021),
    ],
)
@pytest.mark.parametrize("path", ["/fapi/v2/account", "/fapi/v3/positionRisk"])
async def test_signed_endpoints_check_key_signature_and_window(
    sim: BinanceSimulator,
    path: str,
    key: str | None,
    secret: str,
    ts_offset_ms: int,
    want_status: int,
    want_code: int | None,
) -> None:
    query = signed_query(secret, int(time.time() * 1000) + ts_offset_ms)
    headers = {"X-MBX-APIKEY": key} if key else {}
    status, _, body = await get(sim, f"{path}?{query}", headers=headers)
    assert status == want_status, body
    if want_code is not None:
        assert body["code"] == want_code
    elif path.endswith("account"):
        recorded = sample("binance-usdm", "http_fapi_v2_account_docexample.json")
        assert set(recorded) - {"positions"} <= set(body)
        assert set(recorded["assets"][0]) == set(body["assets"][0])


async def test_unknown_time_in_force_can_be_served() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=2, market=False, extra_time_in_force=("RPI",))) as s:
        _, _, body = await get(s, "/fapi/v1/exchangeInfo")
    assert all("RPI" in sym["timeInForce"] for sym in body["symbols"])


async def test_exchange_info_region_block_fault_and_its_end(sim: BinanceSimulator) -> None:
    await sim.apply_fault(Fault.parse("exchange-info:451"))
    status, _, body = await get(sim, "/fapi/v1/exchangeInfo")
    assert status == 451 and "restricted location" in body["msg"]
    status, _, _ = await get(sim, "/fapi/v1/time")
    assert status == 200, "only exchangeInfo is blocked"
    await sim.apply_fault(Fault.parse("exchange-info:200"))
    status, _, body = await get(sim, "/fapi/v1/exchangeInfo")
    assert status == 200 and body["symbols"]


async def test_the_24h_ticker_lists_every_trading_contract_by_volume_at_the_documented_weights() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=20, market=False)) as s:
        status, headers, rows = await get(s, "/fapi/v1/ticker/24hr")
        assert (status, headers["X-MBX-USED-WEIGHT-1M"]) == (200, "40"), "weight 40 without a symbol"
        _, _, info = await get(s, "/fapi/v1/exchangeInfo")
        status, headers, one = await get(s, "/fapi/v1/ticker/24hr", params={"symbol": "ETHUSDT"})
        assert (status, headers["X-MBX-USED-WEIGHT-1M"]) == (200, "42"), "weight 1 with one (after exchangeInfo's 1)"
        status, _, refused = await get(s, "/fapi/v1/ticker/24hr", params={"symbol": "NOPEUSDT"})
        assert (status, refused["code"]) == (400, -1121)
    trading = {row["symbol"] for row in info["symbols"] if row["status"] == "TRADING"}
    assert {row["symbol"] for row in rows} == trading, "only contracts in TRADING (789 of 924 live)"
    assert len(trading) < len(info["symbols"])
    volume = {row["symbol"]: float(row["quoteVolume"]) for row in rows}
    perpetuals = [f"{i.base}USDT" for i in s.instruments]
    ranked = [volume[p] for p in perpetuals]
    assert ranked == sorted(ranked, reverse=True) and ranked[0] > 10 * ranked[-1], "heavy-tailed, by activity rank"
    assert one["symbol"] == "ETHUSDT" and float(one["quoteVolume"]) == volume["ETHUSDT"]
    assert set(one) == set(rows[0]) >= {"symbol", "lastPrice", "volume", "quoteVolume", "openTime", "closeTime"}
