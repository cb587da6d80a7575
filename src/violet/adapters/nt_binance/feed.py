"""`VenuePriceFeedPort` over NautilusTrader's Binance USD-M data client (the release pinned in pyproject.toml).

In-process, NT shares the reactor's asyncio (uvloop) loop: it must be entered from the main thread under
anyio's asyncio backend, which is checked with a clear error. For isolation run it in `violet feed`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal

import anyio
from hdrh.histogram import HdrHistogram

from violet.adapters.nt_binance.build import build_node
from violet.adapters.nt_binance.driver import Connection, NodeDriver, NodeSinks
from violet.adapters.nt_binance.instruments import PerpInstrument, canonical_asset, load_instruments
from violet.adapters.nt_binance.settings import NtBinanceSettings
from violet.delivery import HubBackedFeed, Stream, hub_for
from violet.domain import Clock, DomainError, FeedState, NormalizedTick, TickKind, VioletError, parse_price

VENUE = "binance"
WATCH_INTERVAL_S = 0.02
NODE_RUN_GRACE_S = 2.0
SETTLE_NS = 100_000_000
"""A socket up this long after the last sign of its outage: its carrier is up again (see `_reconnected`)."""
REFUSALS_KEPT = 16
_TRADE_SUFFIXES = ("@aggTrade", "@trade")


class WrongEventLoop(VioletError, RuntimeError):
    pass


def _snap_ms(ts_ns: int) -> int:
    # NT converts the venue's millisecond times through a float (`...678000128`): snap back to the ms.
    return (ts_ns + 500_000) // 1_000_000 * 1_000_000


class NtBinancePriceFeed(HubBackedFeed):
    def __init__(
        self, settings: NtBinanceSettings, *, clock: Clock | None = None, on_signal: Callable[[], None] | None = None
    ) -> None:
        self._settings = settings
        self._on_signal = on_signal
        super().__init__(hub_for(VENUE, settings, clock), ready_timeout_s=settings.ready_timeout_s)
        self._hub.silence.name_of = self._stream_name
        self._instruments: dict[str, PerpInstrument] = {}
        self.missing_assets: list[str] = []
        self._node: NodeDriver | None = None
        self._run_scope: anyio.CancelScope | None = None
        self._node_stopping = False
        self._last_data_ns = 0
        self._acked_streams: set[str] = set()
        self.refusals: deque[str] = deque(maxlen=REFUSALS_KEPT)
        """The newest SUBSCRIBE requests Binance refused (or that could not be sent), with the reason."""
        self._unsettled_ns: dict[str, int] = {}
        """Per carrier: when it last showed a sign of an outage (socket timing, not the freshness clock)."""
        self._carried: dict[str, tuple[str, ...]] = {}
        self._asset_of_symbol: dict[str, str] = {}
        self._stale = False
        self._not_ready: tuple[list[str], str] | None = None
        """(unconfirmed assets, detail) as they were when the ready timeout struck, before the node stopped."""
        self._ready: anyio.Event | None = None
        self.nt_dispatch_ns = HdrHistogram(1, 60_000_000_000, 3)
        """NT's ts_init (frame parsed) to the tick reaching violet, wall clock ns."""

    def _stream_name(self, asset: str, kind: TickKind) -> str:
        """The Binance stream carrying this asset and kind (trades: `@aggTrade` through NT, or `@trade` read by
        violet, as `[binance] trades` says)."""
        symbol = asset.removesuffix("-PERP").lower()
        return f"{symbol}@bookTicker" if kind is TickKind.QUOTE else f"{symbol}@{self._settings.trade_stream}"

    def _on_raw_trade(self, venue_symbol: str, price: str, trade_ms: int, kind: str) -> None:
        if kind != "MARKET":
            self._hub.reject("non-market-trade")  # ADL / insurance-fund prints are not the market
            return
        try:
            tick = self._tick(canonical_asset(venue_symbol), trade_ms * 1_000_000, last=parse_price(price, "last"))
        except DomainError as exc:
            self._hub.reject(type(exc).__name__)
            return
        self._arrived(tick, time.time_ns())

    # -- NT callbacks (on the loop thread) -------------------------------------------------------------
    def _on_quote(self, symbol: str, bid: str, ask: str, ts_event: int, ts_init: int) -> None:
        try:
            self._arrived(
                self._tick(symbol, ts_event, bid=parse_price(bid, "bid"), ask=parse_price(ask, "ask")), ts_init
            )
        except DomainError as exc:
            self._hub.reject(type(exc).__name__)

    def _on_trade(self, symbol: str, price: str, ts_event: int, ts_init: int) -> None:
        try:
            self._arrived(self._tick(symbol, ts_event, last=parse_price(price, "last")), ts_init)
        except DomainError as exc:
            self._hub.reject(type(exc).__name__)

    def _tick(
        self,
        symbol: str,
        ts_event: int,
        *,
        bid: Decimal | None = None,
        ask: Decimal | None = None,
        last: Decimal | None = None,
    ) -> NormalizedTick:
        mono = self._hub.clock.monotonic_ns()
        return NormalizedTick(
            venue=VENUE, asset=symbol, bid=bid, ask=ask, last=last, ts_event=_snap_ms(ts_event), mono_ns=mono
        )

    def _arrived(self, tick: NormalizedTick, ts_init: int) -> None:
        hub = self._hub
        self._last_data_ns = tick.mono_ns
        if self._stale:
            self._stale = False
            hub.set_stale(False)
            self._check_ready()
        if tick.asset not in self._instruments:
            hub.reject("UnknownAsset")
            return
        self.nt_dispatch_ns.record_value(max(1, time.time_ns() - ts_init))
        hub.accept(tick)

    async def _subscribe_all(self) -> None:
        """Ask NT for every asset's quotes, then its trades, at once: NT's SUBSCRIBE frames are merged and paced
        under Binance's incoming-message limit by `SubscribeBatcher`, so quotes of every asset come early."""
        node = self._node
        assert node is not None
        # No deadline of its own: a node that never starts is the ready timeout's to report (FeedNotReady).
        while not node.running:  # noqa: ASYNC110 - NT offers no awaitable for "actor started"
            await anyio.sleep(0.005)
        assets = sorted(self._instruments)
        for asset in assets:
            node.subscribe(asset, quotes=True)
        for asset in assets:
            if self._settings.trade_stream == "trade":
                await node.subscribe_trade_stream(self._instruments[asset].venue_symbol)
            else:
                node.subscribe(asset, quotes=False)

    async def add_assets(self, assets: Iterable[str]) -> list[str]:
        """New listings subscribed while running through the same NautilusTrader client (its route sockets take the
        new streams; one NT opens for them is a carrier added to a serving plane). Returns the assets added: those
        exchangeInfo lists, on a release that keeps ticks of symbols listed after it connected (1.231, not 2.0)."""
        node = self._node
        wanted = [a for a in assets if a not in self._instruments]
        if node is None or not node.running or not node.adds_while_running or not wanted:
            return []
        s = self._settings
        found, _ = await load_instruments(s.base_url_http, wanted, file=s.instrument_file)
        self._instruments.update(found)
        self._hub.set_assets(self._instruments)
        self._asset_of_symbol.update({inst.venue_symbol.lower(): asset for asset, inst in found.items()})
        for asset in sorted(found):
            node.subscribe(asset, quotes=True)
        for asset in sorted(found):
            if s.trade_stream == "trade":
                await node.subscribe_trade_stream(found[asset].venue_symbol)
            else:
                node.subscribe(asset, quotes=False)
        return sorted(found)

    def _streams_acked(self, streams: list[str]) -> None:
        self._acked_streams.update(streams)
        self._check_ready()

    def _streams_refused(self, streams: list[str], why: str) -> None:
        """Binance answered a SUBSCRIBE with an error (or it could not be sent): counted, and named with the
        venue's reason in `FeedNotReady`'s detail while its streams stay unconfirmed."""
        self._hub.reject("subscribe-not-sent" if why.startswith("not sent") else "subscribe-refused")
        named = f"{', '.join(streams[:3])}{', ...' if len(streams) > 3 else ''}" if streams else "a request"
        self.refusals.append(f"{named}: {why}")

    def unconfirmed_assets(self) -> list[str]:
        """Assets whose quote or trade stream the venue has not confirmed yet (acked, or named in a connect URL).

        After a reconnect NT resubscribes in one frame and the venue acks it again."""
        node = self._node
        if node is None:
            return sorted(self._instruments)
        confirmed = self._acked_streams | node.streams_in_connect_urls()
        out = []
        for asset, inst in self._instruments.items():
            low = inst.venue_symbol.lower()
            quote_ok = f"{low}@bookTicker" in confirmed
            trade_ok = f"{low}@aggTrade" in confirmed or f"{low}@trade" in confirmed
            if not (quote_ok and trade_ok):
                out.append(asset)
        return sorted(out)

    # -- connection watchdog: each NT connection is a carrier of its own streams ----------------------------
    def _streams_of(self, names: Iterable[str]) -> list[Stream]:
        """(asset, kind) of each Binance stream name violet reads (`btcusdt@bookTicker`, `btcusdt@aggTrade`)."""
        out: list[Stream] = []
        for name in names:
            symbol, _, kind = name.partition("@")
            asset = self._asset_of_symbol.get(symbol)
            if asset is None:
                continue
            if kind == "bookTicker":
                out.append((asset, TickKind.QUOTE))
            elif f"@{kind}" in _TRADE_SUFFIXES:
                out.append((asset, TickKind.TRADE))
        return out

    def _outage(self, carrier: str) -> None:
        self._unsettled_ns[carrier] = time.monotonic_ns()  # socket timing, not the freshness clock a test may drive
        self._hub.carrier_down(carrier)

    def _reconnected(self, carrier: str, streams: list[str]) -> None:
        # NT's Rust client can drop and reconnect faster than the watchdog polls: its hook is an outage of that
        # connection too. Its carrier is up again once the socket has been up for SETTLE_NS; its streams are
        # confirmed again by the venue's ack of NT's resubscription. The other connections are untouched.
        self._acked_streams.difference_update(streams)
        if self._hub.state is not FeedState.CLOSED:
            self._outage(carrier)

    def _follow(self, conn: Connection) -> None:
        hub = self._hub
        if self._carried.get(conn.carrier) != conn.streams:
            # A connection NT opens once the plane serves (for streams added while running) is one more carrier
            # that is down until up, not the plane connecting again.
            added = conn.carrier not in self._carried and self._ready is not None and self._ready.is_set()
            self._carried[conn.carrier] = conn.streams
            hub.carry(conn.carrier, self._streams_of(conn.streams), added=added)
        if conn.state != "active":
            self._outage(conn.carrier)
        elif time.monotonic_ns() - self._unsettled_ns.get(conn.carrier, 0) >= SETTLE_NS:
            if not hub.carriers.carrier_is_up(conn.carrier):
                self._last_data_ns = max(self._last_data_ns, hub.clock.monotonic_ns())
            hub.carrier_up(conn.carrier)

    async def _watch(self) -> None:
        hub, node = self._hub, self._node
        assert node is not None
        while True:
            await anyio.sleep(WATCH_INTERVAL_S)
            if hub.state is FeedState.CLOSED:
                continue
            connections = node.connections()
            for conn in connections:
                self._follow(conn)
            present = {c.carrier for c in connections}
            for gone in [c for c in self._carried if c not in present]:  # a connection NT disposed of
                del self._carried[gone]
                hub.forget_carrier(gone)
            now = hub.clock.monotonic_ns()
            working = hub.state is FeedState.LIVE or hub.state is FeedState.DEGRADED
            if working and now - self._last_data_ns > self._settings.stall_after_ns:
                self._stale = True  # every socket up and nothing from any of them: the plane, not one carrier
                hub.set_stale(True)
            # A stream NT names in a connection's URL is confirmed by that connection coming up, which sends no ack:
            # only this pass sees a later route's socket arrive.
            self._check_ready()

    async def _run_node(self) -> None:
        # Shielded: NT logs a cancelled `run_async` as an ERROR, so the node is stopped by `stop()` in
        # `_teardown` (after which its engine queues end and `run_async` returns), never by cancellation.
        node = self._node
        assert node is not None
        with anyio.CancelScope(shield=True) as self._run_scope:
            if not self._node_stopping:  # a stop that came first would leave `run` running for good
                await node.run()

    async def _prepare(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise WrongEventLoop(
                "the nt_binance adapter shares NautilusTrader's asyncio loop; it cannot run under another backend. "
                "Run the reactor with anyio.run(..., backend='asyncio'), "
                "or use remote_shm/remote_hz fed by `violet feed`."
            ) from None
        if threading.current_thread() is not threading.main_thread():
            raise WrongEventLoop("NautilusTrader builds its node in the main thread only (it installs signal handlers)")
        s = self._settings
        self._ready = anyio.Event()
        self._instruments, self.missing_assets = await load_instruments(
            s.base_url_http, s.assets, file=s.instrument_file
        )
        self._hub.set_assets(self._instruments)
        self._asset_of_symbol = {inst.venue_symbol.lower(): asset for asset, inst in self._instruments.items()}
        sinks = NodeSinks(
            quote=self._on_quote,
            trade=self._on_trade,
            streams_acked=self._streams_acked,
            streams_refused=self._streams_refused,
            bad_frame=self._hub.reject,
            raw_trade=self._on_raw_trade if s.trade_stream == "trade" else None,
            signal=self._on_signal,
        )
        self._node = build_node(s, sinks)
        self._node.on_reconnected(self._reconnected)

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._run_node)
            tg.start_soon(self._watch)
            tg.start_soon(self._subscribe_all)
            assert self._ready is not None
            try:
                await self._ready.wait()
            except anyio.get_cancelled_exc_class():
                # Cancelled before ready (the ready timeout): `_run_node` is shielded until the node is stopped, and
                # `_teardown` comes only after this task has ended, so stop it here or this group never exits.
                # What `FeedNotReady` reports is taken first: a stopped node has no sockets and no streams.
                self._not_ready = (self.unconfirmed_assets(), self._not_ready_detail())
                await self._stop_node()
                raise
            task_status.started()

    def _check_ready(self) -> None:
        """Ready: every socket up (live) and every asset's streams confirmed by the venue."""
        ready = self._ready
        live = self._hub.state is FeedState.LIVE
        if ready is not None and not ready.is_set() and live and not self.unconfirmed_assets():
            ready.set()

    def _unready_assets(self) -> list[str]:
        return self._not_ready[0] if self._not_ready is not None else self.unconfirmed_assets()

    def _not_ready_detail(self) -> str:
        if self._not_ready is not None:
            return self._not_ready[1]
        sockets = [f"{c.carrier} {c.state}" for c in self._node.connections()] if self._node is not None else []
        refused = f"; refused by the venue: {'; '.join(self.refusals)}" if self.refusals else ""
        return (
            f"feed {self._hub.state.value}; sockets: {', '.join(sockets) or 'none yet'}; "
            f"{len(self._acked_streams)} stream(s) acked{refused}"
        )

    async def _teardown(self) -> None:
        await self._stop_node()

    async def _stop_node(self) -> None:
        # NT is stopped, not cancelled (see `_run_node`); its `run_async` then returns within the grace period.
        first, self._node_stopping = not self._node_stopping, True
        if first and self._node is not None:
            with anyio.CancelScope(shield=True), anyio.move_on_after(10):
                await self._node.stop()
        if self._run_scope is not None:
            self._run_scope.deadline = anyio.current_time() + NODE_RUN_GRACE_S
