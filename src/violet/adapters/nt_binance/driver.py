"""What the adapter core (feed.py) needs from a NautilusTrader Binance node, on either major, and the choice of the
driver that provides it (build.py).

Two drivers implement it: `node.py` for 1.231 (a `TradingNode`, an `Actor` tap, NT's Python WebSocket clients, whose
private hooks give acks, connection states and reconnects) and `node_v2.py` for 2.0 (a `LiveNode`, a `DataActor` tap,
socket-state events per route; the WebSocket clients are in Rust, with no private access). NT types stay inside the
driver: the core sees strings, integers and `Connection`s.

What "confirmed" means differs (see each driver): on 1.231 a stream is confirmed by Binance's ack of the SUBSCRIBE
carrying it (or by naming it in a connect URL); 2.0 consumes the acks inside Rust, so a stream is confirmed by its
first tick since its route's socket last connected. Neither guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs

from violet.adapters.nt_binance import trade_stream
from violet.domain import VioletError

QuoteSink = Callable[[str, str, str, int, int], None]
"""(symbol e.g. BTCUSDT-PERP, bid, ask, ts_event ns, ts_init ns)"""
TradeSink = Callable[[str, str, int, int], None]
"""(symbol, price, ts_event ns, ts_init ns)"""


class UnsupportedOnThisRelease(VioletError, ValueError):
    """A setting the installed NautilusTrader cannot honour (e.g. `trades = "trade"` on 2.0, which reads only
    `@aggTrade`)."""


@attrs.frozen
class Connection:
    """One of NautilusTrader's WebSocket connections, as violet's carrier."""

    carrier: str
    """`public #0`, `market #0` (1.231: NT's route client and its connection id), `public`, `market` (2.0)."""
    state: str
    """'active' / 'reconnecting' / 'closed'."""
    streams: tuple[str, ...]


@attrs.frozen(kw_only=True)
class NodeSinks:
    """Where the node hands what it reads (on the event loop's thread)."""

    quote: QuoteSink
    trade: TradeSink
    streams_acked: Callable[[list[str]], None]
    """Streams the venue confirmed (1.231: acknowledged, per SUBSCRIBE frame; 2.0: their first tick since their
    socket connected)."""
    streams_refused: Callable[[list[str], str], None] | None = None
    """A SUBSCRIBE Binance answered with an error, or one that could not be sent: its streams and why (1.231)."""
    bad_frame: trade_stream.BadFrame
    raw_trade: trade_stream.TradeSink | None = None
    """Set: violet reads the `@trade` frames it subscribes itself (`subscribe_trade_stream`) on the public client,
    with their `X`, instead of NT's `@aggTrade` trade ticks (1.231 only)."""
    signal: Callable[[], None] | None = None
    """Set: SIGINT and SIGTERM call it instead of NT's handlers."""


class NodeDriver(Protocol):
    """A built, not yet running node whose tap streams what `subscribe` asked for."""

    @property
    def running(self) -> bool:
        """The tap has started: subscriptions may be asked for."""
        ...

    def subscribe(self, symbol: str, *, quotes: bool) -> None: ...

    @property
    def adds_while_running(self) -> bool:
        """A symbol listed after the node connected can be subscribed (1.231: ticks need no cached instrument; 2.0
        loads instruments at connect and drops ticks of others silently)."""
        ...

    async def subscribe_trade_stream(self, venue_symbol: str) -> None:
        """`<symbol>@trade`, read by violet (`NodeSinks.raw_trade`)."""
        ...

    async def run(self) -> None:
        """Runs the node until `stop()`."""
        ...

    async def stop(self) -> None: ...

    def connections(self) -> list[Connection]:
        """Every connection with its state and streams; [] before the first."""
        ...

    def streams_in_connect_urls(self) -> set[str]:
        """Streams confirmed by an open connection naming them in its URL (no ack is sent for those)."""
        ...

    def on_reconnected(self, callback: Callable[[str, list[str]], None]) -> None:
        """`callback(carrier, its streams)` whenever a connection has come back after an outage, however fast."""
        ...
