"""The NautilusTrader 2.0 driver (driver.py): a `LiveNode` with its Binance data client and a `DataActor` tap.

2.0's WebSocket clients live in Rust: no private hook reaches them, so this driver uses only the public surface
(`../shared/notes/nautilus-2.0.md` has the observed facts; tests/adapters/test_nt2_drift.py checks each one this relies
on, on a 2.0 install):
- the node runs on the caller's loop (`run_async`), installs no signal handlers and stops through its handle;
- `subscribe_socket_state()` delivers `SocketStateChanged` per route endpoint (`binance-futures-public-streams`,
  `binance-futures-market-streams`; CONNECTED / DISCONNECTED): each route is a carrier, `public` carrying the
  bookTicker streams, `market` the aggTrade ones (2.0 reads futures trades only from `@aggTrade`);
- Binance's SUBSCRIBE acks are consumed inside Rust, so a stream is confirmed by its first tick since its route last
  connected, never before: a quiet stream stays unconfirmed until it trades or quotes (ready waits for it);
- NT's reconnect backoff is fixed inside Rust (not configurable), and `exchangeInfo` is fetched on every connect
  (violet's instrument file cannot stand in for a refused one).
"""

from __future__ import annotations

import asyncio
import importlib
import signal
from collections.abc import Callable
from typing import Any

from violet.adapters.nt_binance.driver import Connection, NodeSinks, UnsupportedOnThisRelease
from violet.adapters.nt_binance.settings import NtBinanceSettings

VENUE = "BINANCE"
CACHE_TICK_CAPACITY = 1
"""Ticks NautilusTrader's cache keeps per instrument and kind (violet reads each from the tap as it arrives)."""
ENDPOINTS = {"binance-futures-public-streams": "public", "binance-futures-market-streams": "market"}
"""2.0's socket-state endpoint names -> violet's carrier names."""


def _stream(symbol: str, *, quotes: bool) -> str:
    """`BTCUSDT-PERP` -> `btcusdt@bookTicker` (quotes, public route) or `btcusdt@aggTrade` (market route)."""
    return f"{symbol.removesuffix('-PERP').lower()}@{'bookTicker' if quotes else 'aggTrade'}"


class _Routes:
    """Per route: whether its socket is up, the streams violet asked it for, and which of those have ticked since it
    last connected (2.0's only confirmation)."""

    def __init__(self, sinks: NodeSinks) -> None:
        self._sinks = sinks
        self.up: dict[str, bool] = {}
        self.streams: dict[str, list[str]] = {"public": [], "market": []}
        self.confirmed: set[str] = set()
        self._reconnected: list[Callable[[str, list[str]], None]] = []

    def add(self, route: str, stream: str) -> None:
        if stream not in self.streams[route]:
            self.streams[route].append(stream)

    def ticked(self, route: str, stream: str) -> None:
        if stream not in self.confirmed and self.up.get(route, False):
            self.confirmed.add(stream)
            self._sinks.streams_acked([stream])

    def state(self, endpoint: str, connected: bool) -> None:
        route = ENDPOINTS.get(endpoint)
        if route is None:
            return
        was = self.up.get(route)
        self.up[route] = connected
        if connected and was is False:  # back after an outage: its streams must tick again to be confirmed
            self.confirmed.difference_update(self.streams[route])
            for callback in self._reconnected:
                callback(route, list(self.streams[route]))
        elif not connected:
            self.confirmed.difference_update(self.streams[route])

    def on_reconnected(self, callback: Callable[[str, list[str]], None]) -> None:
        self._reconnected.append(callback)


def _tap_class() -> type:
    # Typed as Any: the type checker sees the pinned 1.231, whose modules have other shapes.
    data_actor: Any = importlib.import_module("nautilus_trader.common").DataActor
    instrument_id: Any = importlib.import_module("nautilus_trader.model").InstrumentId

    class VioletTap(data_actor):  # type: ignore[misc]
        """Subscribes quotes, trades and socket states and forwards them as builtins; nothing else."""

        # A pyo3 class: its `__new__` takes only a config, so what the tap needs is attached after construction.
        _sinks: NodeSinks
        _routes: _Routes

        def bind(self, sinks: NodeSinks, routes: _Routes) -> None:
            self._sinks = sinks
            self._routes = routes

        def on_start(self) -> None:
            self.subscribe_socket_state()

        def subscribe_symbol(self, symbol: str, *, quotes: bool) -> None:
            iid = instrument_id.from_str(f"{symbol}.{VENUE}")
            if quotes:
                self.subscribe_quotes(iid)
            else:
                self.subscribe_trades(iid)

        def on_quote(self, tick: Any) -> None:
            symbol = tick.instrument_id.symbol.value
            self._sinks.quote(symbol, str(tick.bid_price), str(tick.ask_price), tick.ts_event, tick.ts_init)
            self._routes.ticked("public", _stream(symbol, quotes=True))

        def on_trade(self, tick: Any) -> None:
            symbol = tick.instrument_id.symbol.value
            self._sinks.trade(symbol, str(tick.price), tick.ts_event, tick.ts_init)
            self._routes.ticked("market", _stream(symbol, quotes=False))

        def on_socket_state(self, event: Any) -> None:
            self._routes.state(str(event.endpoint), "disconnect" not in str(event.state).lower())

    return VioletTap


class NtBinanceNodeV2:
    def __init__(self, settings: NtBinanceSettings, sinks: NodeSinks) -> None:
        if sinks.raw_trade is not None:
            raise UnsupportedOnThisRelease(
                'NautilusTrader 2.0 reads futures trades only from @aggTrade: set [binance] trades = "aggTrade"'
            )
        binance: Any = importlib.import_module("nautilus_trader.adapters.binance")
        live: Any = importlib.import_module("nautilus_trader.live")

        loop = asyncio.get_running_loop()
        common: Any = importlib.import_module("nautilus_trader.common")
        level = getattr(common.LogLevel, settings.nt_log_level.upper(), common.LogLevel.ERROR)
        config = live.LiveNodeConfig(
            logging=common.LoggerConfig(stdout_level=level, is_colored=False),
            trader_id=importlib.import_module("nautilus_trader.model").TraderId("VIOLET-001"),
            timeout_connection_secs=10.0,
            timeout_disconnection_secs=1.0,
            timeout_shutdown_secs=1.0,
            data_clients={
                VENUE: binance.BinanceDataClientConfig(
                    product_type=binance.BinanceProductType.USD_M,
                    environment=binance.BinanceEnvironment.LIVE,
                    api_key=settings.api_key.reveal(),
                    api_secret=settings.api_secret.reveal(),
                    base_url_http=settings.base_url_http,
                    base_url_ws=settings.base_url_ws,
                    # load_all=False loads nothing and every tick is then dropped silently (observed on rc6).
                    instrument_provider=binance.BinanceInstrumentProviderConfig(load_all=True, log_warnings=False),
                )
            },
        )
        try:
            self._node: Any = live.LiveNode.build(
                "violet", config, data_factories={VENUE: binance.BinanceDataClientFactory()}
            )
        except RuntimeError as exc:
            if "already exists" not in str(exc):
                raise
            raise UnsupportedOnThisRelease(
                "NautilusTrader 2.0 runs one LiveNode per thread: one in-process nt_binance plane at a time "
                "(run more in `violet feed` processes)"
            ) from exc
        self._ran = False
        self._routes = _Routes(sinks)
        self._tap = _tap_class()()
        self._tap.bind(sinks, self._routes)
        self._node.add_actor(self._tap)
        # 2.0 installs no signal handlers: `violet feed`'s clean shutdown is installed here; in a reactor the
        # signals stay the reactor's.
        if sinks.signal is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, sinks.signal)

    @property
    def running(self) -> bool:
        return bool(self._tap.is_running)

    @property
    def adds_while_running(self) -> bool:
        return False

    def subscribe(self, symbol: str, *, quotes: bool) -> None:
        """One NT subscription: 2.0 sends one stream per SUBSCRIBE frame, about 300 ms apart per route."""
        self._routes.add("public" if quotes else "market", _stream(symbol, quotes=quotes))
        self._tap.subscribe_symbol(symbol, quotes=quotes)

    async def subscribe_trade_stream(self, venue_symbol: str) -> None:
        raise UnsupportedOnThisRelease("NautilusTrader 2.0 has no @trade stream for futures")

    async def run(self) -> None:
        node = self._node
        if node is None:
            return
        self._ran = True
        try:
            await node.run_async()
        finally:
            # One LiveNode per thread: a stopped one must be disposed of and dropped before another can be built
            # (a reactor that re-enters its planes, a test module after another).
            self._node = None
            node.dispose()

    async def stop(self) -> None:
        node = self._node
        if node is None:
            return
        if self._ran:
            node.handle().stop()  # `run` returns, and disposes of it
        else:  # stopped before it ran (a start that failed or timed out first)
            self._node = None
            node.dispose()

    def connections(self) -> list[Connection]:
        routes = self._routes
        return [
            Connection(route, "active" if up else "reconnecting", tuple(routes.streams[route]))
            for route, up in routes.up.items()
        ]

    def streams_in_connect_urls(self) -> set[str]:
        return set()  # 2.0 connects to the bare route URLs and subscribes every stream by frame

    def on_reconnected(self, callback: Callable[[str, list[str]], None]) -> None:
        self._routes.on_reconnected(callback)
