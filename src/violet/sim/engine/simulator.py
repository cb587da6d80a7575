"""The venue-neutral simulator: an aiohttp server, a paced market loop, subscriptions, faults, test API.

A venue subclass adds its REST and WebSocket routes and says how market events become its frames.
Use it as `async with Sim(...) as sim:` in-process (tests, same loop), or through `violet sim <venue>` as a
subprocess (benchmarks), which prints one JSON line with its addresses.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, Self

import anyio
import anyio.abc
import anyio.lowlevel
import msgspec
from aiohttp import web

from violet.domain.errors import VioletError
from violet.lifecycle import StackLifetime
from violet.sim.engine import routes
from violet.sim.engine.clock import VenueClock
from violet.sim.engine.config import SimConfig
from violet.sim.engine.connection import Outgoing, SimConnection
from violet.sim.engine.faults import VENUE_FAULTS, Fault, FaultKind, FaultSpecError
from violet.sim.engine.market import Market, MarketEvent, RandomWalkMarket
from violet.sim.engine.pacer import Pacer
from violet.sim.engine.recorded_cadence import follow_cadence, load_cadence
from violet.sim.engine.send_log import SendLog
from violet.sim.engine.shared_market import SharedMarket
from violet.sim.engine.tls import make_server_tls
from violet.sim.engine.universe import make_universe


class LoopbackOnly(VioletError, ValueError):
    pass


BURST_CHUNK = 1_000


def check_bind_host(host: str, allow_remote: bool) -> None:
    if allow_remote:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise LoopbackOnly(f"refusing to bind {host}: simulators serve loopback only (pass allow_remote to override)")


class SimulatorCore(StackLifetime):
    venue = "sim"

    def __init__(self, config: SimConfig) -> None:
        check_bind_host(config.host, config.allow_remote)
        self.config = config
        self.instruments = make_universe(config.symbols)
        self.market: Market = (
            SharedMarket(self.instruments, seed=config.seed, lag_ms=config.lag_ms)
            if config.profile == "live"
            else RandomWalkMarket(self.instruments, seed=config.seed)
        )
        self.pacer = Pacer(config.rate_hz)
        self.delisted: set[str] = set()
        """Base assets the venue delisted (fault `delist:BASE`, undone by `list:BASE`): listed as no longer trading,
        never sent."""
        self.send_log = SendLog()
        self.connections: dict[int, SimConnection] = {}
        self.topic_index: dict[str, set[SimConnection]] = {}
        self.port = 0
        self.ca_path: Path | None = None
        self.events_emitted = 0
        self.accepting = True
        self.clock = VenueClock()
        self.recorded_topics: frozenset[str] = frozenset()
        """Streams whose timing comes from a recording (`cadence_from`)."""
        """False: WebSocket upgrades are refused with 503, as during a venue outage."""
        self._next_conn = 1
        self._runner: web.AppRunner | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.app = web.Application()
        routes.add_declared_routes(self.app, self)

    # -- venue hooks (its HTTP handlers are declared with `routes.get` and `routes.post`) ---------------
    def frames_for(self, event: MarketEvent) -> Iterable[tuple[str, Outgoing]]:
        """(topic, frame) pairs for an event; only called for topics someone subscribed to."""
        raise NotImplementedError

    # -- addresses ------------------------------------------------------------------------------------
    @property
    def http_url(self) -> str:
        return f"{'https' if self.config.tls else 'http'}://{self.config.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.config.tls else 'ws'}://{self.config.host}:{self.port}"

    def describe(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "port": self.port,
            "http": self.http_url,
            "ws": self.ws_url,
            "ca": None if self.ca_path is None else str(self.ca_path),
            "symbols": [i.canonical for i in self.instruments],
        }

    # -- lifecycle ------------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self._open(self._start)
        return self

    async def _start(self, stack: contextlib.AsyncExitStack) -> None:
        stack.callback(self._remove_tls_dir)
        ssl_ctx = None
        if self.config.tls:
            self._tmp = tempfile.TemporaryDirectory(prefix="violet-sim-")
            ssl_ctx, self.ca_path = make_server_tls(Path(self._tmp.name))
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        stack.push_async_callback(self._stop_server)
        site = web.TCPSite(self._runner, self.config.host, self.config.port, ssl_context=ssl_ctx)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        tg = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tg.cancel_scope.cancel)  # runs first on exit: the market loops end, then the server
        if self.config.market and self.config.cadence_from is not None:
            cadence = load_cadence(Path(self.config.cadence_from), self.topic_of)
            self.recorded_topics = frozenset(cadence)
            tg.start_soon(follow_cadence, cadence, self._emit_for_topic)
            tg.start_soon(self._mark_loop)
            self.start_venue_loops(tg)
        elif self.config.market:
            tg.start_soon(self._market_loop)
            tg.start_soon(self._mark_loop)
            if self.config.burst is not None:
                tg.start_soon(self._burst_loop, *self.config.burst)
            if self.config.listing_churn_s > 0:
                tg.start_soon(self._listing_churn)
            self.start_venue_loops(tg)

    async def _stop_server(self) -> None:
        for conn in list(self.connections.values()):
            with anyio.move_on_after(1, shield=True):
                await conn.close(1001)
        if self._runner is not None:
            with anyio.move_on_after(5, shield=True):
                await self._runner.cleanup()

    def _remove_tls_dir(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- market -----------------------------------------------------------------------------------------
    async def _market_loop(self) -> None:
        pacer, market = self.pacer, self.market
        pacer.reset()
        while True:
            n = await pacer.due()
            ts_ms = self.clock.now_ms()
            for _ in range(n):
                self.on_market_event(market.next_event(ts_ms))

    def on_market_event(self, event: MarketEvent) -> None:
        """Venue hook: what the venue sends of the market's own events (injected events are always published)."""
        self.publish(event)

    def _emit_for_topic(self, topic: str) -> None:
        event = self.event_for_topic(topic, self.clock.now_ms())
        if event is not None:
            self.publish(event)  # the recorded stream spoke: this venue's frames for it, whatever its profile

    def event_for_topic(self, topic: str, ts_ms: int) -> MarketEvent | None:
        """Venue hook: the market event behind one of its stream names (for recorded cadences)."""
        return None

    def start_venue_loops(self, tg: anyio.abc.TaskGroup) -> None:
        """Venue hook: tasks beside the market loop (BingX's book cadences under the live profile)."""

    async def _listing_churn(self) -> None:
        rng = random.Random(self.config.seed * 31 + len(self.venue))
        candidates = [i.base for i in self.instruments[3:]]  # the most active names stay listed
        churned: str | None = None
        while candidates:
            await anyio.sleep(self.config.listing_churn_s)
            if churned is not None:
                self.delisted.discard(churned)  # listed again: to a client that never saw it, a new listing
                churned = None
            else:
                churned = rng.choice([b for b in candidates if b not in self.delisted])
                self.delisted.add(churned)

    async def _burst_loop(self, factor: float, seconds: float) -> None:
        while True:
            await anyio.sleep(self.config.burst_every_s)
            self.pacer.surge(factor, seconds)

    async def _mark_loop(self) -> None:
        while True:
            await anyio.sleep(self.config.mark_interval_s)
            ts_ms = self.clock.now_ms()
            for inst in self.instruments:
                self.publish(self.market.mark(inst.base, ts_ms))

    def publish(self, event: MarketEvent) -> None:
        self.events_emitted += 1
        index = self.topic_index
        if not index or (self.delisted and event.inst.base in self.delisted):
            return
        for topic, out in self.frames_for(event):
            for conn in index.get(topic, ()):
                if conn.faults.silenced and conn.faults.is_silenced(topic):
                    continue
                conn.offer(self.adjust(conn, event, topic, out))

    def adjust(self, conn: SimConnection, event: MarketEvent, topic: str, out: Outgoing) -> Outgoing:
        """Venue hook: rewrite a frame for a connection with a pending value fault."""
        return out

    def publish_raw(self, topic: str, payload: str) -> None:
        """A venue payload (from a recording) to everyone subscribed to `topic`, wrapped per connection."""
        for conn in self.topic_index.get(topic, ()):
            conn.offer(Outgoing(self.wrap_for(conn, topic, payload), None))

    def wrap_for(self, conn: SimConnection, topic: str, payload: str) -> str:
        return payload

    def topic_of(self, frame: str) -> tuple[str, str] | None:
        """(topic, payload) of a recorded frame; venue hook for replay."""
        return None

    async def burst(self, n: int) -> None:
        """`n` events as fast as the sockets take them, all stamped now. Offered in chunks that wait while any
        connection's outbox is over half full: a burst larger than an outbox would otherwise close that
        connection as a slow consumer before its writer had sent a frame."""
        ts_ms = self.clock.now_ms()
        for start in range(0, n, BURST_CHUNK):
            for _ in range(min(BURST_CHUNK, n - start)):
                self.publish(self.market.next_event(ts_ms))
            busy = list(self.connections.values())  # the writers signal no "drained": poll their backlog
            while any(c.backlog() > c.outbox_size // 2 and not c.closed for c in busy):  # noqa: ASYNC110
                await anyio.sleep(0.001)

    # -- connections ------------------------------------------------------------------------------------
    def register(self, ws: web.WebSocketResponse, request: web.Request, **kw: Any) -> SimConnection:
        conn = self.make_connection(self._next_conn, ws, request, **kw)
        self._next_conn += 1
        self.connections[conn.id] = conn
        return conn

    def make_connection(
        self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, **kw: Any
    ) -> SimConnection:
        return SimConnection(conn_id, ws, request, send_log=self.send_log, **kw)

    async def serve_connection(
        self,
        conn: SimConnection,
        read_loop: Callable[[], Awaitable[None]],
        *beside: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        """Run one client connection: its writer and the venue's tasks `beside` it (heartbeat, lifetime) until its
        `read_loop` ends; then forget it and close the socket if the client has not."""
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(conn.write_loop)
                for task in beside:
                    tg.start_soon(task)
                await read_loop()
                tg.cancel_scope.cancel()
        finally:
            self.unregister(conn)
            if not conn.ws.closed:
                with anyio.move_on_after(1, shield=True):
                    await conn.ws.close()

    def unregister(self, conn: SimConnection) -> None:
        self.connections.pop(conn.id, None)
        for topic in list(conn.topics):
            self.unsubscribe(conn, topic)

    def subscribe(self, conn: SimConnection, topic: str) -> None:
        conn.topics.add(topic)
        self.topic_index.setdefault(topic, set()).add(conn)

    def unsubscribe(self, conn: SimConnection, topic: str) -> None:
        conn.topics.discard(topic)
        subs = self.topic_index.get(topic)
        if subs is not None:
            subs.discard(conn)
            if not subs:
                del self.topic_index[topic]

    # -- the test API (in-process) --------------------------------------------------------------------
    def targets(self, conn_id: int | None) -> list[SimConnection]:
        if conn_id is None:
            return list(self.connections.values())
        conn = self.connections.get(conn_id)
        return [conn] if conn is not None else []

    async def apply_fault(self, fault: Fault, conn_id: int | None = None) -> int:
        """Apply `fault` to one connection or all; returns how many connections it touched."""
        if fault.kind is FaultKind.BURST:
            await self.burst(fault.count)
            return len(self.connections)
        if fault.kind in VENUE_FAULTS:
            self.apply_venue_fault(fault)
            return len(self.connections)
        conns = self.targets(conn_id)
        for conn in conns:
            if fault.kind is FaultKind.CLOSE:
                await conn.close(fault.code)
            elif fault.kind is FaultKind.RESET:
                conn.reset()
            else:
                self.apply_connection_fault(conn, fault)
        return len(conns)

    def apply_connection_fault(self, conn: SimConnection, fault: Fault) -> None:
        conn.apply(fault)

    def apply_venue_fault(self, fault: Fault) -> None:
        """Venue hook for faults of the whole simulator; the engine handles `cascade`."""
        if fault.kind is FaultKind.CASCADE:
            self.pacer.surge(fault.factor, fault.delay_ms / 1000)
            return
        if fault.kind is FaultKind.SKEW:
            self.clock.skew(fault.code, fault.delay_ms / 1000)
            return
        if fault.kind in (FaultKind.DELIST, FaultKind.LIST):
            if fault.channel not in {i.base for i in self.instruments}:
                raise FaultSpecError(f"the {self.venue} simulator has no {fault.channel!r}")
            if fault.kind is FaultKind.DELIST:
                self.delisted.add(fault.channel)
            else:  # listed (again): a delisted name back, or, delisted before any client came, a new listing
                self.delisted.discard(fault.channel)
            return
        raise FaultSpecError(f"the {self.venue} simulator has no {fault.kind.value} fault")

    def inject(self, frame: str, conn_id: int | None = None, log: tuple[str, str, int, str] | None = None) -> int:
        """Send `frame` exactly as given (through the connection's encoder and faults)."""
        conns = self.targets(conn_id)
        for conn in conns:
            conn.offer(Outgoing(frame, log))
        return len(conns)

    # -- the test API over HTTP (for a simulator running as a subprocess) -------------------------------
    @routes.get("/__sim/connections")
    async def _h_connections(self, request: web.Request) -> web.Response:
        body = [
            {"id": c.id, "path": c.path, "topics": sorted(c.topics), "sent": c.sent} for c in self.connections.values()
        ]
        return web.json_response(body)

    @routes.post("/__sim/fault")
    async def _h_fault(self, request: web.Request) -> web.Response:
        data = msgspec.json.decode(await request.read())
        try:
            fault = Fault.parse(str(data["fault"]))
        except (FaultSpecError, KeyError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        touched = await self.apply_fault(fault, data.get("conn"))
        return web.json_response({"touched": touched})

    @routes.post("/__sim/accepting")
    async def _h_accepting(self, request: web.Request) -> web.Response:
        """`{"accepting": false}`: refuse new WebSocket connections (a venue that is down) until told true."""
        data = msgspec.json.decode(await request.read())
        self.accepting = bool(data["accepting"])
        return web.json_response({"accepting": self.accepting})

    @routes.post("/__sim/inject")
    async def _h_inject(self, request: web.Request) -> web.Response:
        data = msgspec.json.decode(await request.read())
        return web.json_response({"touched": self.inject(str(data["frame"]), data.get("conn"))})

    @routes.post("/__sim/sendlog")
    async def _h_sendlog(self, request: web.Request) -> web.Response:
        """Drain the send-time side channel: [[symbol, kind, ts_ms, prices, send_mono_ns], ...]; the first call
        turns recording on (see SendLog)."""
        return web.Response(body=msgspec.json.encode(self.send_log.drain()), content_type="application/json")

    @routes.get("/__sim/stats")
    async def _h_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "events": self.events_emitted,
                "behind": self.pacer.behind,
                "max_lag_ms": self.pacer.max_lag_s * 1000,
                "connections": len(self.connections),
            }
        )
