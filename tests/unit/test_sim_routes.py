"""The simulators' HTTP routes, declared on their handlers: every venue path and the test API are served, by the
handler that declares them, and an override's declaration replaces its parent's."""

from __future__ import annotations

from aiohttp import web

from violet.sim.binance.simulator import BinanceSimulator
from violet.sim.bingx.simulator import BingxSimulator
from violet.sim.engine import routes

TEST_API = {
    ("GET", "/__sim/connections"),
    ("POST", "/__sim/fault"),
    ("POST", "/__sim/accepting"),
    ("POST", "/__sim/inject"),
    ("GET", "/__sim/stats"),
    ("POST", "/__sim/sendlog"),
}


def _served(app: web.Application) -> set[tuple[str, str]]:
    # aiohttp adds HEAD beside every GET; the venues' clients never send it.
    return {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource and r.method != "HEAD"}


def test_the_binance_simulator_serves_fapi_and_every_websocket_route() -> None:
    websocket = {
        ("GET", f"{category}{tail}")
        for category in ("", "/public", "/market")
        for tail in ("/ws", "/ws/{tail}", "/stream")
    }
    rest = {
        ("GET", f"/fapi/{path}")
        for path in (
            "v1/ping",
            "v1/time",
            "v1/exchangeInfo",
            "v1/depth",
            "v1/ticker/bookTicker",
            "v1/ticker/24hr",
            "v1/premiumIndex",
            "v2/account",
            "v3/positionRisk",
        )
    }
    assert _served(BinanceSimulator().app) == TEST_API | websocket | rest


def test_the_bingx_simulator_serves_swap_and_the_families_clients_list() -> None:
    rest = {
        ("GET", path)
        for path in (
            "/openApi/swap/v2/server/time",
            "/openApi/swap/v2/quote/contracts",
            "/openApi/swap/v2/quote/ticker",
            "/openApi/swap/v2/quote/bookTicker",
            "/openApi/cswap/v1/market/contracts",
            "/openApi/spot/v1/common/symbols",
        )
    }
    assert _served(BingxSimulator().app) == TEST_API | {("GET", "/swap-market")} | rest


class _Parent:
    @routes.get("/a", "/b")
    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text="parent")

    @routes.post("/kept")
    async def kept(self, request: web.Request) -> web.Response:
        return web.Response(text="kept")


class _Child(_Parent):
    @routes.get("/c")
    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text="child")


def test_an_override_declares_its_own_routes_and_each_handler_is_bound_to_the_owner() -> None:
    app = web.Application()
    child = _Child()
    routes.add_declared_routes(app, child)
    assert _served(app) == {("GET", "/c"), ("POST", "/kept")}
    handlers = {r.resource.canonical: r.handler for r in app.router.routes() if r.resource and r.method != "HEAD"}
    assert handlers["/c"] == child.page
    assert handlers["/kept"] == child.kept
