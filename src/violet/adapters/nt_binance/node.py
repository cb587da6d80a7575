"""Everything that touches NautilusTrader: the TradingNode, its Binance data client and the tap Actor.

NT types stop here; the tap hands plain strings and integers to violet. NT 1.221.0 facts this relies on
(checked by tests/adapters/test_nt_api_surface.py): the node is built on the caller's running asyncio loop in
the main thread (its kernel installs signal handlers); `dispose()` would stop that loop, so it is not called
in-process; with no instrument loading configured the data client makes no REST call, so no signed endpoint
is ever needed.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from violet.secrets import Secret

QuoteSink = Callable[[str, str, str, int, int], None]
"""(symbol e.g. BTCUSDT-PERP, bid, ask, ts_event ns, ts_init ns)"""
TradeSink = Callable[[str, str, int, int], None]
"""(symbol, price, ts_event ns, ts_init ns)"""

VENUE = "BINANCE"


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
            return  # subscriptions are paced by violet (see NtBinanceNode.subscribe)

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

    def __init__(
        self,
        *,
        base_url_http: str,
        base_url_ws: str,
        api_key: Secret,
        api_secret: Secret,
        on_quote: QuoteSink,
        on_trade: TradeSink,
        use_agg_trades: bool = False,
        log_level: str = "ERROR",
        on_signal: Callable[[], None] | None = None,
    ) -> None:
        from nautilus_trader.adapters.binance import (
            BinanceAccountType,
            BinanceDataClientConfig,
            BinanceLiveDataClientFactory,
        )
        from nautilus_trader.config import LoggingConfig, TradingNodeConfig
        from nautilus_trader.live.node import TradingNode

        loop = asyncio.get_running_loop()
        config = TradingNodeConfig(
            trader_id="VIOLET-001",
            logging=LoggingConfig(log_level=log_level),
            timeout_connection=10.0,
            timeout_disconnection=1.0,
            timeout_post_stop=0.2,
            timeout_shutdown=1.0,
            data_clients={
                VENUE: BinanceDataClientConfig(
                    account_type=BinanceAccountType.USDT_FUTURES,
                    api_key=api_key.reveal(),
                    api_secret=api_secret.reveal(),
                    base_url_http=base_url_http,
                    base_url_ws=base_url_ws,
                    use_agg_trade_ticks=use_agg_trades,
                )
            },
        )
        self._node = TradingNode(config=config, loop=loop)
        self._tap = _tap_class()(on_quote, on_trade)
        self._node.trader.add_actor(self._tap)
        self._node.add_data_client_factory(VENUE, BinanceLiveDataClientFactory)
        self._node.build()
        if on_signal is not None:
            # NT's kernel put its own SIGINT/SIGTERM handlers on the loop, and its handler swallows SIGTERM:
            # give the signals back to the process that owns NT (e.g. `violet feed`'s clean shutdown).
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, on_signal)

    @property
    def running(self) -> bool:
        return bool(self._tap.is_running)

    def subscribe(self, symbol: str, *, quotes: bool) -> None:
        """One NT subscription (one `SUBSCRIBE` frame on the venue socket)."""
        self._tap.subscribe(symbol, quotes=quotes)

    async def run(self) -> None:
        await self._node.run_async()

    async def stop(self) -> None:
        await self._node.stop_async()

    def socket_states(self) -> list[str]:
        """'active' / 'reconnecting' / 'closed' per NT WebSocket client; [] before the first connect.

        Reads NT's private attributes (data client -> BinanceWebSocketClient -> pyo3 clients): NT exposes
        no public connection state. The API-surface smoke test fails loudly if these move.
        """
        engine = self._node.kernel.data_engine
        client = engine._clients.get(_client_id())
        if client is None:
            return []
        states = []
        for ws in client._ws_client._clients.values():
            if ws is None:
                continue
            # `is_active()` stays true while the client reconnects: ask about reconnecting first.
            if ws.is_reconnecting():
                states.append("reconnecting")
            elif ws.is_closed() or ws.is_disconnecting():
                states.append("closed")
            elif ws.is_active():
                states.append("active")
            else:
                states.append("closed")
        return states

    def on_reconnected(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever NT's WebSocket client has reconnected (NT then resubscribes itself).

        NT's Rust client can reconnect within milliseconds, faster than any poll of its state; this hook
        makes sure violet still counts the outage and treats older prices as from before it.
        """
        client = self._node.kernel.data_engine._clients.get(_client_id())
        if client is None:
            raise RuntimeError("the Binance data client was not built")
        ws_client = client._ws_client
        original = ws_client._handler_reconnect

        async def chained() -> None:
            callback()
            if original is not None:
                await original()

        ws_client._handler_reconnect = chained


def _client_id() -> Any:
    from nautilus_trader.model.identifiers import ClientId

    return ClientId(VENUE)
