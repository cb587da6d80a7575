"""`VenuePriceFeedPort` over BingX perpetual swap, with violet's own WebSocket client (picows, see socket.py).

Topics (bookTicker for bid/ask, trade for last) are sharded across sockets. Each socket: connect,
subscribe within the venue's rate limit, answer Ping, drop data of refused topics, and reconnect with exponential
backoff and jitter when it closes or its data stalls. Each socket is a carrier (delivery/carriers.py): its assets are
stale from its drop until fresh data, and the other sockets' assets are untouched.
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections import deque
from collections.abc import Iterable

import anyio
import anyio.abc
import stamina

from violet.adapters.bingx.contracts import SwapContract
from violet.adapters.bingx.order_book import BookVerdict
from violet.adapters.bingx.quote_source import QuoteSource
from violet.adapters.bingx.send_window import SendWindow
from violet.adapters.bingx.settings import BingxSettings
from violet.adapters.bingx.shard import Shard, SubscriptionRefused, plan_shards
from violet.adapters.bingx.socket import SocketError
from violet.adapters.bingx.ticks import VENUE, quote_tick, trade_tick
from violet.adapters.bingx.transport import Connection, Connector, ContractSource, PicowsConnector, RestContracts
from violet.delivery import HubBackedFeed, hub_for, streams_of
from violet.domain import Clock, DomainError, FeedNotReady, NormalizedTick, TickKind
from violet.protocols.bingx.codec import (
    Ack,
    BingxDecoder,
    BookPush,
    BookTickerPush,
    HeartbeatRequested,
    Invalid,
    OtherPush,
    TradePush,
    subscribe_request,
)
from violet.protocols.bingx.symbols import to_canonical

S = 1_000_000_000
REFUSALS_KEPT = 64
"""Refusals remembered for a reader (`refusals`); the counter counts every one."""


class _ConnectFailed(Exception):
    """A session that did not prove the venue serves: the next attempt waits longer than this one did."""


class BingxPriceFeed(HubBackedFeed):
    def __init__(
        self,
        settings: BingxSettings,
        *,
        clock: Clock | None = None,
        connector: Connector | None = None,
        contracts: ContractSource | None = None,
    ) -> None:
        """`connector` and `contracts` default to the network (picows, the venue's REST); tests pass scripted ones."""
        self._settings = settings
        super().__init__(hub_for(VENUE, settings, clock), ready_timeout_s=settings.ready_timeout_s)
        self._clock = self._hub.clock
        self._contracts: dict[str, SwapContract] = {}
        self.missing_assets: list[str] = []
        self.refusals: deque[SubscriptionRefused] = deque(maxlen=REFUSALS_KEPT)
        """The newest refusals, oldest first (every one is counted as `subscribe-refused-<code>`)."""
        self.shards: list[Shard] = []
        tls: ssl.SSLContext | None = (
            ssl.create_default_context(cafile=settings.ssl_ca_file) if settings.ssl_ca_file else None
        )
        self._connector = connector or PicowsConnector(tls)
        self._contract_source = contracts or RestContracts(settings.base_url_http, tls)
        self._decoder = BingxDecoder()
        self._asset_of: dict[str, str] = {}
        self._quotes = QuoteSource(settings.quote_source)
        self._hub.silence.name_of = self._stream_name
        self._all_live: anyio.Event | None = None
        self._shards_tg: anyio.abc.TaskGroup | None = None

    # -- frames -> ticks --------------------------------------------------------------------------------
    def _on_event(self, shard: Shard, event: object, pending: dict[str, str]) -> str | None:
        """Handle one decoded event; returns text to send back (a Pong) or None."""
        hub = self._hub
        if isinstance(event, BookTickerPush | TradePush | BookPush):
            now = shard.last_data_ns = self._clock.monotonic_ns()  # one reading: the frame's receive time
            if event.data_type not in shard.accepted:
                hub.reject("unsubscribed-topic")
                return None
            if isinstance(event, BookTickerPush) and event.event_ms - event.match_ms > self._settings.max_book_lag_ms:
                hub.reject("stale-book")
                return None
            try:
                if isinstance(event, BookPush):
                    self._on_book(shard, event, now)
                else:
                    hub.accept(self._tick(event, now))
            except (DomainError, ValueError, ArithmeticError) as exc:
                hub.reject(type(exc).__name__)
        elif isinstance(event, HeartbeatRequested):
            return event.reply
        elif isinstance(event, Ack):
            topic = pending.pop(event.id, None)
            if topic is None and event.id in shard.unsubscribing:
                shard.unsubscribing.discard(event.id)  # the venue confirming a resubscription's unsub
            elif topic is None:
                hub.reject("unexpected-ack")
            elif event.code == 0:
                shard.accepted.add(topic)
                if shard.refused.pop(topic, None) is not None and shard.live:
                    self._carry(shard)  # a topic refused earlier on this socket, granted when asked again
            else:
                refusal = SubscriptionRefused(topic, event.code, event.msg)
                shard.refused[topic] = refusal
                self.refusals.append(refusal)
                hub.reject(f"subscribe-refused-{event.code}")
        elif isinstance(event, OtherPush):
            shard.last_data_ns = self._clock.monotonic_ns()
        elif isinstance(event, Invalid):
            hub.reject(event.reason)
        return None

    def _on_book(self, shard: Shard, push: BookPush, now: int) -> None:
        if push.action == "all":
            shard.resubscribing.pop(push.data_type, None)  # answered; a bad snapshot is asked for again below
        got = self._quotes.on_book(push)
        if isinstance(got, BookVerdict):
            self._hub.reject(got.value)  # never delivered; the topic starts again from a fresh snapshot
            self._resubscribe(shard, push.data_type)
        elif got is not None:
            self._hub.accept(quote_tick(self._asset(push.symbol), got.bid, got.ask, got.event_ms, now))

    def _resubscribe(self, shard: Shard, topic: str) -> None:
        now = self._clock.monotonic_ns()
        asked = shard.resubscribing.get(topic)
        if shard.sock is None or (asked is not None and now - asked < self._settings.ack_timeout_s * S):
            return
        shard.resubscribing[topic] = now
        shard.accepted.discard(topic)
        # A frame callback cannot wait for the send window: the session's requester sends both requests.
        shard.requests.append((topic, True))
        shard.requests.append((topic, False))
        shard.wake.set()

    def _stream_name(self, asset: str, kind: TickKind) -> str:
        contract = self._contracts.get(asset)
        symbol = contract.symbol if contract is not None else asset
        return self._quotes.topic(symbol) if kind is TickKind.QUOTE else f"{symbol}@trade"

    def _asset(self, symbol: str) -> str:
        # Only subscribed topics get here, so the cache holds at most the configured assets.
        asset = self._asset_of.get(symbol)
        if asset is None:
            asset = self._asset_of[symbol] = to_canonical(symbol)
        return asset

    def _tick(self, event: BookTickerPush | TradePush, mono_ns: int) -> NormalizedTick:
        if isinstance(event, BookTickerPush):
            return quote_tick(self._asset(event.symbol), event.bid, event.ask, event.event_ms, mono_ns)
        return trade_tick(self._asset(event.symbol), event.price, event.trade_ms, mono_ns)

    # -- one socket -------------------------------------------------------------------------------------
    async def _run_shard(self, shard: Shard) -> None:
        s = self._settings
        while True:
            async for attempt in stamina.retry_context(
                on=_ConnectFailed,
                attempts=None,
                timeout=None,
                wait_initial=s.backoff.initial_s,
                wait_max=s.backoff.max_s,
                wait_jitter=s.backoff.jitter_s,
            ):
                with attempt:
                    await self._session(shard)

    async def _session(self, shard: Shard) -> None:
        """One socket's life. Returns normally only after a session that delivered data for
        `backoff.healthy_after_s`: any other end (refused or dropped connection, a close soon after subscribing,
        unanswered subscriptions, a stall) raises `_ConnectFailed`, so the waits between attempts keep growing
        while the venue keeps failing, and start again from the shortest only after it served."""
        s = self._settings
        pending = shard.pending
        pending.clear()
        shard.unsubscribing.clear()
        shard.resubscribing.clear()
        shard.refused.clear()
        shard.requests.clear()
        if s.subscribe_scope == "socket":  # a new socket starts with its own count; per IP, the plane's goes on
            shard.window = SendWindow(s.subscribe_per_s)
        answered = anyio.Event()
        decoder = self._decoder
        sock: Connection | None = None

        def on_message(data: bytes | str) -> None:
            # On the loop, inside picows' protocol callback: frame -> codec -> hub, no task switch.
            reply = self._on_event(shard, decoder.feed(data), pending)
            if reply is not None and sock is not None:
                sock.send_text(reply)
            if not shard.live and shard.sent_all and not pending:
                answered.set()
                self._shard_up(shard)

        shard.accepted.clear()
        shard.sent_all = False
        self._quotes.forget([self._contracts[a].symbol for a in shard.assets])
        try:
            with anyio.fail_after(s.connect_timeout_s):
                sock = await self._connector.connect(s.ws_url, on_message, timeout_s=s.connect_timeout_s)
        except (SocketError, TimeoutError) as exc:
            shard.problems.append(f"connect failed: {str(exc) or type(exc).__name__}")
            raise _ConnectFailed(str(exc)) from exc
        shard.connects += 1
        shard.sock = sock
        shard.closing_why = ""
        shard.up_since_ns = 0
        started = time.monotonic_ns()
        shard.last_data_ns = self._clock.monotonic_ns()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._subscribe_all, sock, shard, pending, answered)
                tg.start_soon(self._send_requests, sock, shard)
                tg.start_soon(self._ask_refused_again, shard)
                tg.start_soon(self._stall_watch, sock, shard)
                await sock.wait_closed()
                tg.cancel_scope.cancel()
        finally:
            shard.sock = None
            self._shard_down(shard)
            sock.close()
        ended = time.monotonic_ns()
        shard.problems.append(shard.closing_why or f"socket closed by the venue after {(ended - started) / S:.1f} s")
        served_ns = ended - shard.up_since_ns if shard.up_since_ns else 0
        if shard.closing_why or served_ns < s.backoff.healthy_after_s * S:
            raise _ConnectFailed(shard.problems[-1])

    async def _subscribe_all(
        self, ws: Connection, shard: Shard, pending: dict[str, str], answered: anyio.Event
    ) -> None:
        for topic in shard.topics:
            await shard.window.acquire()
            req_id = uuid.uuid4().hex
            pending[req_id] = topic
            ws.send_text(subscribe_request(req_id, topic))
        shard.sent_all = True
        if not pending:  # every ack came while the later requests were being paced
            self._shard_up(shard)
            return
        with anyio.move_on_after(self._settings.ack_timeout_s):
            await answered.wait()
        if pending:
            unanswered = sorted(pending.values())
            shard.closing_why = (
                f"{len(pending)} of {len(shard.topics)} subscriptions unanswered {self._settings.ack_timeout_s:g} s "
                f"after the last was sent ({', '.join(unanswered[:3])}{', ...' if len(unanswered) > 3 else ''})"
            )
            ws.close(b"subscription acks missing")

    async def _send_requests(self, ws: Connection, shard: Shard) -> None:
        """Requests asked for from frame callbacks (a resubscription), sent through the socket's send window."""
        while True:
            await shard.wake.wait()
            shard.wake = anyio.Event()
            while shard.requests:
                topic, unsubscribe = shard.requests.popleft()
                await shard.window.acquire()
                req_id = uuid.uuid4().hex
                if unsubscribe:
                    shard.unsubscribing.add(req_id)
                else:
                    shard.pending[req_id] = topic
                ws.send_text(subscribe_request(req_id, topic, unsubscribe=unsubscribe))

    async def _stall_watch(self, ws: Connection, shard: Shard) -> None:
        limit_ns = int(shard.stall_after_s * S)
        while True:
            await anyio.sleep(min(1.0, shard.stall_after_s / 4))
            if self._clock.monotonic_ns() - shard.last_data_ns > limit_ns:
                self._hub.reject("stalled-socket")
                shard.closing_why = f"no data for {shard.stall_after_s:g} s (stalled socket closed)"
                ws.close(b"stalled")
                return

    def _shard_up(self, shard: Shard) -> None:
        """Every topic of the socket answered: it carries what the venue accepted (a refused topic's stream is
        carried by nothing, so it reads FEED_DOWN, never fresh, until it is asked for again and granted)."""
        shard.live = True
        shard.up_since_ns = time.monotonic_ns()
        self._carry(shard)
        self._hub.carrier_up(shard.carrier)
        if self._all_live is not None and all(s.live for s in self.shards):
            self._all_live.set()

    def _carry(self, shard: Shard) -> None:
        quotes = [a for a in shard.assets if self._quotes.topic(self._contracts[a].symbol) in shard.accepted]
        trades = [a for a in shard.assets if f"{self._contracts[a].symbol}@trade" in shard.accepted]
        self._hub.carry(shard.carrier, [*streams_of(quotes, [TickKind.QUOTE]), *streams_of(trades, [TickKind.TRADE])])

    async def _ask_refused_again(self, shard: Shard) -> None:
        """A topic the venue refused on this socket once it was up (a refusal at start ends entering, or drops the
        asset) is asked for again every `refused_retry_s`: a venue that refused a topic for a while (a limit, an
        incident) gets it back without a reconnect, and its streams come back up when granted."""
        while True:
            await anyio.sleep(self._settings.refused_retry_s)
            if not shard.live:
                continue
            asked = set(shard.pending.values())
            for topic in [t for t in shard.refused if t not in asked]:
                shard.requests.append((topic, False))
            shard.wake.set()

    def _shard_down(self, shard: Shard) -> None:
        shard.live = False
        self._hub.carrier_down(shard.carrier)

    async def _prepare(self) -> None:
        s = self._settings
        self._all_live = anyio.Event()
        self._contracts, self.missing_assets = await self._contract_source.served(s.assets)
        self._hub.set_assets(self._contracts)
        self.shards = plan_shards(self._settings, self._contracts, self._quotes)
        for shard in self.shards:
            self._hub.carry(shard.carrier, streams_of(shard.assets))

    async def add_assets(self, assets: Iterable[str]) -> list[str]:
        """New listings served while running, on sockets of their own (the plane's others untouched; DEGRADED until
        the new sockets' topics are answered). Returns the assets added: those the venue lists online."""
        tg = self._shards_tg
        wanted = [a for a in assets if a not in self._contracts]
        if tg is None or not wanted:
            return []
        contracts, _ = await self._contract_source.served(wanted)
        if not contracts:
            return []
        new = plan_shards(self._settings, contracts, self._quotes, existing=self.shards)
        self._contracts.update(contracts)
        self._hub.set_assets(self._contracts)
        for shard in new:
            self.shards.append(shard)
            self._hub.carry(shard.carrier, streams_of(shard.assets), added=True)
            tg.start_soon(self._run_shard, shard)
        return sorted(contracts)

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        refused: list[SubscriptionRefused] = []
        async with anyio.create_task_group() as tg:
            self._shards_tg = tg
            for shard in self.shards:
                tg.start_soon(self._run_shard, shard)
            if self.shards and self._all_live is not None:
                await self._all_live.wait()  # every socket's topics answered by the venue
            refused = [r for shard in self.shards for r in shard.refused.values()]
            if refused and self._settings.on_refused_topic == "fail":
                tg.cancel_scope.cancel()
            else:
                self._drop_refused(refused)
                task_status.started()
        # A refused topic is not an answer: entering fails naming it (or, above, its asset leaves the plane).
        missing = sorted({self._asset_of_topic(r.topic) for r in refused})
        raise FeedNotReady(
            VENUE, missing, self._settings.ready_timeout_s, refused=[f"{r.topic}: {r.code} {r.msg}" for r in refused]
        )

    def _drop_refused(self, refused: list[SubscriptionRefused]) -> None:
        """`on_refused_topic = "drop-asset"`: an asset with a refused topic leaves the plane like a contract the venue
        does not list (`missing_assets`, `UnknownAsset`), never served as ready and dark."""
        dropped = {self._asset_of_topic(r.topic) for r in refused}
        if not dropped:
            return
        self.missing_assets = sorted({*self.missing_assets, *dropped})
        for asset in dropped:
            self._contracts.pop(asset, None)
        self._hub.set_assets(self._contracts)
        for shard in self.shards:
            if not dropped.intersection(shard.assets):
                continue
            gone = [t for t in shard.topics if self._asset_of_topic(t) in dropped]
            for topic in gone:
                shard.refused.pop(topic, None)  # out of the plane: never asked for again
            shard.assets = [a for a in shard.assets if a not in dropped]
            shard.topics = [t for t in shard.topics if t not in gone]
            for topic in gone:
                if topic in shard.accepted:  # its sibling was refused: stop the data of this one too
                    shard.accepted.discard(topic)
                    shard.requests.append((topic, True))
                    shard.wake.set()
            self._hub.carry(shard.carrier, streams_of(shard.assets))

    def _asset_of_topic(self, topic: str) -> str:
        return self._asset(topic.partition("@")[0])

    def unconfirmed_assets(self) -> list[str]:
        """Assets whose socket has not had every topic answered by the venue (yet, or since it reconnected)."""
        return sorted(a for shard in self.shards if not shard.live for a in shard.assets)

    def _unready_assets(self) -> list[str]:
        return self.unconfirmed_assets()

    def _not_ready_detail(self) -> str:
        return "; ".join(
            f"socket {s.index}: {s.connects} connects, {len(s.pending)} subscriptions unanswered now, "
            f"last problems: {'; '.join(s.problems) or 'none'}"
            for s in self.shards
            if not s.live
        )
