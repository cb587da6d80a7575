"""A scripted BingX peer for tests without sockets: a `Connector` and a `ContractSource` in one object.

Frames are the venue's wire format (gzip JSON in binary frames, `Ping`), so what the adapter receives is what the
real socket would hand it; only the network is gone. Every connection the adapter opens is recorded, answers its
subscriptions (acked, refused, or left unanswered, as scripted) and takes pushes from the test.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Mapping, Sequence

import anyio
import anyio.lowlevel
import msgspec

from violet.adapters.bingx.contracts import SwapContract
from violet.adapters.bingx.socket import FrameHandler, SocketError
from violet.protocols.bingx.symbols import to_canonical


def frame(payload: object) -> bytes:
    """One server frame as the venue sends it: the JSON (or bare text) payload, gzipped."""
    text = payload if isinstance(payload, str) else msgspec.json.encode(payload).decode()
    return gzip.compress(text.encode())


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class ScriptedConnection:
    def __init__(self, peer: ScriptedBingx, on_message: FrameHandler) -> None:
        self._peer = peer
        self._on_message = on_message
        self._closed = anyio.Event()
        self.sent: list[str] = []
        self.topics: list[str] = []
        """Topics the adapter asked for on this connection, in order."""
        self.close_reason: bytes | None = None
        self.close_code: int | None = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    # -- the adapter's side ------------------------------------------------------------------------------
    def send_text(self, text: str) -> None:
        if self.closed:
            return
        self.sent.append(text)
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError:
            return
        if isinstance(request, dict) and request.get("reqType") == "sub":
            topic = str(request.get("dataType"))
            self.topics.append(topic)
            self._peer._answer(self, str(request.get("id")), topic)
        elif isinstance(request, dict) and request.get("reqType") == "unsub" and self._peer.ack:
            self.push_later(frame({"id": str(request.get("id")), "code": 0, "msg": "", "dataType": ""}))

    def close(self, reason: bytes = b"") -> None:
        if not self.closed:
            self.close_reason = reason
            self._closed.set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # -- the venue's side (the test) ---------------------------------------------------------------------
    def push(self, data: bytes | str) -> None:
        """Hand the adapter one frame now, as picows does from its protocol callback."""
        if not self.closed:
            self._on_message(data)

    def push_later(self, data: bytes | str) -> None:
        """Hand the adapter one frame on the next loop iteration (an answer to something it just sent)."""
        asyncio.get_running_loop().call_soon(self.push, data)

    def book(
        self, symbol: str, bid: str, ask: str, *, event_ms: int | None = None, match_ms: int | None = None
    ) -> None:
        e = now_ms() if event_ms is None else event_ms
        data = {"e": "bookTicker", "s": symbol, "b": bid, "B": "1", "a": ask, "A": "1", "E": e, "T": match_ms or e}
        self.push(frame({"code": 0, "dataType": f"{symbol}@bookTicker", "data": data}))

    def trade(self, symbol: str, price: str, *, trade_ms: int | None = None) -> None:
        t = now_ms() if trade_ms is None else trade_ms
        data = [{"e": "trade", "s": symbol, "p": price, "q": "0.1", "T": t, "m": False}]
        self.push(frame({"code": 0, "dataType": f"{symbol}@trade", "data": data}))

    def incr(
        self,
        symbol: str,
        action: str,
        last_id: int,
        bids: list[tuple[str, str]],
        asks: list[tuple[str, str]],
        *,
        time_ms: int | None = None,
    ) -> None:
        """An `@incrDepth` push: action "all" (a snapshot) or "update"."""
        data = {
            "action": action,
            "lastUpdateId": last_id,
            "time": now_ms() if time_ms is None else time_ms,
            "bids": [list(level) for level in bids],
            "asks": [list(level) for level in asks],
        }
        self.push(frame({"code": 0, "dataType": f"{symbol}@incrDepth", "data": data}))

    def ping(self) -> None:
        self.push(frame("Ping"))

    def drop(self, code: int | None = None) -> None:
        """The venue closes the connection (with `code`, as a close frame would carry)."""
        self.close_code = code
        self._closed.set()


class ScriptedBingx:
    """The venue, scripted: which symbols it lists, how it answers subscriptions, whether connecting fails."""

    def __init__(
        self,
        symbols: Sequence[str] = ("BTC-USDT",),
        *,
        offline: Sequence[str] = (),
        refuse: Mapping[str, int] | None = None,
        ack: bool = True,
    ) -> None:
        """`refuse`: topic -> error code answered to its subscription; `ack=False` leaves subscriptions unanswered."""
        self.contracts = {
            to_canonical(s): SwapContract(asset=to_canonical(s), symbol=s, price_precision=2, online=s not in offline)
            for s in symbols
        }
        self.refuse = dict(refuse or {})
        self.ack = ack
        self.failing_connects = 0
        """The next this many connects raise `SocketError`."""
        self.connections: list[ScriptedConnection] = []
        self._opened = anyio.Event()

    async def served(self, wanted: Sequence[str]) -> tuple[dict[str, SwapContract], list[str]]:
        served = {a: self.contracts[a] for a in wanted if a in self.contracts and self.contracts[a].online}
        return served, [a for a in wanted if a not in served]

    async def connect(self, url: str, on_message: FrameHandler, *, timeout_s: float) -> ScriptedConnection:
        await anyio.lowlevel.checkpoint()
        if self.failing_connects > 0:
            self.failing_connects -= 1
            raise SocketError("scripted: connection refused")
        conn = ScriptedConnection(self, on_message)
        self.connections.append(conn)
        self._opened.set()
        self._opened = anyio.Event()
        return conn

    async def connection(self, n: int) -> ScriptedConnection:
        """The `n`th connection opened (0-based), once it is."""
        while len(self.connections) <= n:
            await self._opened.wait()
        return self.connections[n]

    def open_connections(self) -> list[ScriptedConnection]:
        return [c for c in self.connections if not c.closed]

    def _answer(self, conn: ScriptedConnection, req_id: str, topic: str) -> None:
        if not self.ack:
            return
        code = self.refuse.get(topic, 0)
        msg = "" if code == 0 else f"scripted refusal of {topic}"
        conn.push_later(frame({"id": req_id, "code": code, "msg": msg, "dataType": ""}))
