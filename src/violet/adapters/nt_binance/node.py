"""The NautilusTrader 1.231 driver (driver.py): the TradingNode, its Binance data client and the tap Actor.

NT types stop here; the tap hands plain strings and integers to violet. NT facts this relies on (each one
exercised by tests/adapters/test_nt_drift.py, which names what moved): the node is built on the caller's running
asyncio loop in the main thread (its kernel installs signal handlers); `dispose()` would stop that loop, so it
is not called in-process; with no instrument loading configured the data client makes no REST call, so no
signed endpoint is ever needed; the data client keeps its WebSocket clients in `_ws_client` (market route) and,
since 1.222, `_ws_public_client` (public route: bookTicker, depth), each a `BinanceWebSocketClient` whose pyo3
connections are in `_clients`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import signal
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from violet.adapters.nt_binance import trade_stream
from violet.adapters.nt_binance.batching import SubscribeBatcher
from violet.adapters.nt_binance.driver import Connection, NodeSinks, QuoteSink, TradeSink
from violet.adapters.nt_binance.routes import violet_routes
from violet.adapters.nt_binance.settings import NtBinanceSettings

VENUE = "BINANCE"


NT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGABRT)
"""The signals NautilusTrader's kernel handles on the loop it is given."""
CACHE_TICK_CAPACITY = 1
"""Ticks NautilusTrader's cache keeps per instrument and kind (its default is 10,000)."""
RECONNECT_DELAY_INITIAL_MS = 100
RECONNECT_DELAY_MAX_MS = 5_000
RECONNECT_BACKOFF = 2.0

_CONNECTING_FOR_VIOLET: contextvars.ContextVar[bool] = contextvars.ContextVar("violet_nt_connect", default=False)
VIOLET_CONFIGS: deque[str] = deque(maxlen=64)
"""URLs of the WebSocket configs built with violet's backoff, newest last (how the drift check proves NT still builds
its connections' configs from the name violet wraps)."""


def _use_violet_reconnect_backoff() -> None:
    """NT's Binance WebSocket clients build `WebSocketConfig` with the Rust defaults (first retry after seconds,
    growing, not reset by a successful reconnect: docs/architecture.md): an alpha plane would stay dark for seconds
    after every blip and for much longer after a few of them. The name the Binance client module looks up is wrapped
    so that a config built while one of violet's clients connects (`_scope_backoff_to`) gets violet's backoff; any other
    client in the process gets exactly NautilusTrader's config. Idempotent."""
    from nautilus_trader.adapters.binance.websocket import client as binance_ws
    from nautilus_trader.core.nautilus_pyo3 import WebSocketConfig

    if getattr(getattr(binance_ws, "WebSocketConfig", None), "violet", False):
        return

    def config(**kwargs: Any) -> Any:
        if _CONNECTING_FOR_VIOLET.get():
            kwargs.setdefault("reconnect_delay_initial_ms", RECONNECT_DELAY_INITIAL_MS)
            kwargs.setdefault("reconnect_delay_max_ms", RECONNECT_DELAY_MAX_MS)
            kwargs.setdefault("reconnect_backoff_factor", RECONNECT_BACKOFF)
            VIOLET_CONFIGS.append(str(kwargs.get("url", "")))
        return WebSocketConfig(**kwargs)

    config.violet = True  # type: ignore[attr-defined]
    setattr(binance_ws, "WebSocketConfig", config)  # noqa: B010 - a name the module does not export


def _scope_backoff_to(ws_client: Any) -> None:
    """While this client connects (NT builds each connection's config synchronously inside `_connect_client`, on the
    connecting task), configs are built with violet's backoff; the context variable is the task's own, so another
    client connecting at the same time is not affected."""
    original = ws_client._connect_client

    async def connect_client(client_id: int, streams: list[str]) -> None:
        with connecting_for_violet():
            await original(client_id, streams)

    ws_client._connect_client = connect_client


@contextlib.contextmanager
def connecting_for_violet() -> Iterator[None]:
    """Configs built inside get violet's backoff (on this task, and tasks it starts meanwhile)."""
    token = _CONNECTING_FOR_VIOLET.set(True)
    try:
        yield
    finally:
        _CONNECTING_FOR_VIOLET.reset(token)


def _tap_class() -> type:
    from nautilus_trader.common.actor import Actor
    from nautilus_trader.config import ActorConfig
    from nautilus_trader.model.identifiers import InstrumentId

    class VioletTap(Actor):  # type: ignore[misc]
        """Subscribes quotes and trades and forwards them as builtins; nothing else."""

        def __init__(self, on_quote: QuoteSink, on_trade: TradeSink) -> None:
            super().__init__(ActorConfig(component_id="VioletTap"))
            self._on_quote = on_quote
            self._on_trade = on_trade

        def on_start(self) -> None:
            return  # violet subscribes once the node runs (see NtBinancePriceFeed)

        def subscribe(self, symbol: str, *, quotes: bool) -> None:
            iid = InstrumentId.from_str(f"{symbol}.{VENUE}")
            if quotes:
                self.subscribe_quote_ticks(iid)
            else:
                self.subscribe_trade_ticks(iid)

        def on_stop(self) -> None:
            return  # the node is going away; NT unsubscribes as it disconnects

        def on_quote_tick(self, tick: Any) -> None:
            self._on_quote(
                tick.instrument_id.symbol.value,
                str(tick.bid_price),
                str(tick.ask_price),
                tick.ts_event,
                tick.ts_init,
            )

        def on_trade_tick(self, tick: Any) -> None:
            self._on_trade(tick.instrument_id.symbol.value, str(tick.price), tick.ts_event, tick.ts_init)

    return VioletTap


class NtBinanceNode:
    """A built (not yet running) TradingNode whose tap streams what `subscribe` asked for."""

    def __init__(self, settings: NtBinanceSettings, sinks: NodeSinks) -> None:
        from nautilus_trader.adapters.binance import (
            BinanceAccountType,
            BinanceDataClientConfig,
            BinanceLiveDataClientFactory,
        )
        from nautilus_trader.config import CacheConfig, LoggingConfig, TradingNodeConfig
        from nautilus_trader.live.node import TradingNode

        loop = asyncio.get_running_loop()
        sigint_before = signal.getsignal(signal.SIGINT)
        _use_violet_reconnect_backoff()
        config = TradingNodeConfig(
            trader_id="VIOLET-001",
            logging=LoggingConfig(log_level=settings.nt_log_level),
            # NT's cache keeps the last 10,000 quotes and trades per instrument by default: ~150 MiB for 50
            # symbols, reached after minutes, and 10x that for 500. violet reads every tick from the tap as it
            # arrives and needs none of them kept (issue "Memory that stays flat": figures in docs/operating.md).
            cache=CacheConfig(tick_capacity=CACHE_TICK_CAPACITY, bar_capacity=CACHE_TICK_CAPACITY),
            timeout_connection=10.0,
            timeout_disconnection=1.0,
            timeout_post_stop=0.2,
            timeout_shutdown=1.0,
            data_clients={
                VENUE: BinanceDataClientConfig(
                    account_type=BinanceAccountType.USDT_FUTURES,
                    api_key=settings.api_key.reveal(),
                    api_secret=settings.api_secret.reveal(),
                    base_url_http=settings.base_url_http,
                    base_url_ws=settings.base_url_ws,
                    use_agg_trade_ticks=settings.use_agg_trades,
                )
            },
        )
        self._node = TradingNode(config=config, loop=loop)
        self._tap = _tap_class()(sinks.quote, sinks.trade)
        self._node.trader.add_actor(self._tap)
        self._node.add_data_client_factory(VENUE, BinanceLiveDataClientFactory)
        self._node.build()
        self._route_like_binance(settings.base_url_ws)
        self.batchers = [
            SubscribeBatcher.install(
                ws, frames_per_s=settings.subscribe_per_s, on_ack=sinks.streams_acked, on_refused=sinks.streams_refused
            )
            for ws in self._ws_clients()
        ]
        for ws in self._ws_clients():
            _scope_backoff_to(ws)
        if sinks.raw_trade is not None:
            trade_stream.install(self._public_client(), sinks.raw_trade, sinks.bad_frame)
        # NT's kernel put its own SIGINT/SIGTERM/SIGABRT handlers on the loop (its handler swallows SIGTERM) and set
        # SIGINT to the OS default process-wide. Give the signals back: to the process that owns NT when it says how
        # (`violet feed`'s clean shutdown), else to the caller as they were (a reactor's Ctrl-C stays its own).
        if sinks.signal is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, sinks.signal)
        else:
            for sig in NT_SIGNALS:
                loop.remove_signal_handler(sig)
            if sigint_before is not None:
                signal.signal(signal.SIGINT, sigint_before)

    @property
    def running(self) -> bool:
        return bool(self._tap.is_running)

    @property
    def adds_while_running(self) -> bool:
        return True

    def subscribe(self, symbol: str, *, quotes: bool) -> None:
        """One NT subscription (a stream in a batched `SUBSCRIBE` frame, see batching.py)."""
        self._tap.subscribe(symbol, quotes=quotes)

    async def subscribe_trade_stream(self, venue_symbol: str) -> None:
        """`<symbol>@trade` on NT's public client (its route serves it); NT keeps it across reconnects."""
        await self._public_client().subscribe_trades(venue_symbol)

    def _public_client(self) -> Any:
        client = self._data_client()
        return getattr(client, "_ws_public_client", None) or client._ws_client

    async def run(self) -> None:
        await self._node.run_async()

    async def stop(self) -> None:
        await self._node.stop_async()

    def _data_client(self) -> Any:
        client = self._node.kernel.data_engine._clients.get(_client_id())
        if client is None:
            raise RuntimeError("the Binance data client was not built")
        return client

    def _route_like_binance(self, base_url_ws: str) -> None:
        """Binance serves each stream category on its own route since 2026-04-23 (`/public`: bookTicker, depth,
        trade; `/market`: aggTrade, markPrice, ...; the bare root: public only, a market stream there is acked and
        then silent). NT routes its two clients that way for Binance's own hosts and passes any other host (a
        simulator, a relay) unchanged to both: route those the same way, so trades (`@aggTrade`) are not silent."""
        client = self._data_client()
        public = getattr(client, "_ws_public_client", None)
        routes = violet_routes(base_url_ws)
        if public is None or public is client._ws_client or routes is None:
            return  # one client for both categories (older NT), or a URL that names its route already
        if client._ws_client._base_url == base_url_ws and public._base_url == base_url_ws:
            client._ws_client._base_url, public._base_url = routes

    def _ws_clients(self) -> list[Any]:
        """NT's BinanceWebSocketClient(s): the market route's, and the public route's where NT has one."""
        client = self._data_client()
        clients = [client._ws_client]
        public = getattr(client, "_ws_public_client", None)
        if public is not None and public is not client._ws_client:
            clients.append(public)
        return clients

    def _routes(self) -> list[tuple[str, Any]]:
        """(route name, client): `market` for `_ws_client`, `public` for `_ws_public_client` where NT has one."""
        clients = self._ws_clients()
        return list(zip(("market", "public"), clients, strict=False)) if len(clients) > 1 else [("stream", clients[0])]

    def connections(self) -> list[Connection]:
        """Every connection of every NT WebSocket client with its state and streams; [] before the first.

        Reads NT's private attributes: NT exposes no public connection state.
        """
        out = []
        for route, ws_client in self._routes():
            for client_id, ws in list(ws_client._clients.items()):
                if ws is None:
                    continue
                # `is_active()` stays true while the client reconnects: ask about reconnecting first.
                if ws.is_reconnecting():
                    state = "reconnecting"
                elif ws.is_closed() or ws.is_disconnecting():
                    state = "closed"
                elif ws.is_active():
                    state = "active"
                else:
                    state = "closed"
                streams = tuple(ws_client._client_streams.get(client_id, ()))
                out.append(Connection(f"{route} #{client_id}", state, streams))
        return out

    def socket_states(self) -> list[str]:
        return [c.state for c in self.connections()]

    def streams_in_connect_urls(self) -> set[str]:
        """The stream each open connection named in its URL (NT subscribes the rest by frame)."""
        out = set()
        for ws_client in self._ws_clients():
            for client_id, ws in ws_client._clients.items():
                streams = ws_client._client_streams.get(client_id)
                if ws is not None and streams and ws.is_active():
                    out.add(streams[0])
        return out

    def on_reconnected(self, callback: Callable[[str, list[str]], None]) -> None:
        """Call `callback(carrier, streams of that connection)` whenever one of NT's connections has reconnected,
        before NT resubscribes them.

        NT's Rust client can reconnect within milliseconds, faster than any poll of its state; this hook makes
        sure violet still counts the outage and treats older prices as from before it. NT's pyo3 connection calls
        `self._handle_reconnect(client_id)` through a lambda, so an instance attribute takes its place.
        """
        for route, ws_client in self._routes():
            original = ws_client._handle_reconnect

            def chained(
                client_id: int,
                route: str = route,
                ws_client: Any = ws_client,
                original: Callable[[int], None] = original,
            ) -> None:
                callback(f"{route} #{client_id}", list(ws_client._client_streams.get(client_id, ())))
                original(client_id)

            ws_client._handle_reconnect = chained


def _client_id() -> Any:
    from nautilus_trader.model.identifiers import ClientId

    return ClientId(VENUE)
