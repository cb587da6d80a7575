"""One client connection of a simulator: its subscriptions, its faults, and the writer that sends frames.

Frames for a connection go through a bounded outbox and a writer task, so one slow client never stalls the
market for the others; a client that falls a full outbox behind is dropped, as venues drop slow consumers.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import NamedTuple

import anyio
from aiohttp import web

from violet.sim.engine.faults import Fault, FaultKind, FaultState
from violet.sim.engine.send_log import SendLog

Encoder = Callable[[str], str | bytes]


class Outgoing(NamedTuple):
    text: str
    log: tuple[str, str, int, str] | None
    """(symbol, kind, ts_ms, prices) for the send-time side channel, or None for control frames."""


WAKE = Outgoing("", None)
"""Wakes the writer (a stall ended) without sending anything itself."""


class SimConnection:
    def __init__(
        self,
        conn_id: int,
        ws: web.WebSocketResponse,
        request: web.Request,
        *,
        encode: Encoder,
        send_log: SendLog,
        outbox_size: int = 100_000,
    ) -> None:
        self.id = conn_id
        self.ws = ws
        self.path = request.path_qs
        self.peer = request.remote or "?"
        self.topics: set[str] = set()
        self.faults = FaultState()
        self.properties: dict[str, object] = {}
        self._encode = encode
        self._log = send_log
        self.outbox_size = outbox_size
        self._tx, self._rx = anyio.create_memory_object_stream[Outgoing](outbox_size)
        self.sent = 0
        self.closed = False
        self.close_reason = ""
        self._held_while_stalled: list[Outgoing] = []

    # -- producer side (the market loop, control replies) --------------------------------------------
    def offer(self, item: Outgoing) -> None:
        if self.closed:
            return
        try:
            self._tx.send_nowait(item)
        except anyio.WouldBlock:
            self.closed = True
            self.close_reason = "slow consumer"
            asyncio.get_running_loop().create_task(self.close(1008))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.closed = True

    def backlog(self) -> int:
        """Frames offered and not yet taken by the writer."""
        return self._tx.statistics().current_buffer_used

    def apply(self, fault: Fault) -> None:
        self.faults.add(fault)
        if fault.kind is FaultKind.RESUME:
            self.offer(WAKE)  # what a stall held goes out now, not with the next frame

    async def _send(self, item: Outgoing) -> None:
        payload = self.transform(self._encode(item.text))
        if self.ws.closed:
            return
        await (self.ws.send_bytes(payload) if isinstance(payload, bytes) else self.ws.send_str(payload))
        self.sent += 1
        if item.log is not None:
            self._log.record(*item.log)

    # -- writer task ---------------------------------------------------------------------------------
    async def write_loop(self) -> None:
        try:
            await self._write_all()
        except ConnectionResetError:
            # The client went away mid-write (aiohttp: "Cannot write to closing transport"): that ends this
            # connection, not the server.
            self.closed = True
            self.close_reason = self.close_reason or "client gone"

    async def _write_all(self) -> None:
        ws, faults, encode, log = self.ws, self.faults, self._encode, self._log
        async with self._rx:
            async for item in self._rx:
                if faults.stalled:
                    # A stalled path holds what the venue sends, as TCP does: nothing arrives, the socket stays
                    # up, and on resume everything held arrives late and in order (a path stalled past the
                    # venue's send buffer is dropped like a slow consumer). Frames are lost only with the socket.
                    if item is not WAKE:
                        self._held_while_stalled.append(item)
                        if len(self._held_while_stalled) > self.outbox_size:
                            self.close_reason = "send buffer full while stalled"
                            await self.close(1008)
                            return
                    continue
                if self._held_while_stalled:
                    held_items, self._held_while_stalled = self._held_while_stalled, []
                    for held_item in held_items:
                        await self._send(held_item)
                if item is WAKE:
                    continue
                text = item.text
                if faults.pending:
                    if faults.take(FaultKind.DELAY):
                        await anyio.sleep(faults.delay_ms / 1000)
                    if faults.take(FaultKind.MALFORMED):
                        text = "{" + text
                    elif faults.take(FaultKind.TRUNCATED):
                        text = text[: max(1, len(text) // 2)]
                    if faults.take(FaultKind.OUT_OF_ORDER):
                        faults.held = text
                        continue
                    repeat = 2 if faults.take(FaultKind.DUPLICATE) else 1
                else:
                    repeat = 1
                payload = self.transform(encode(text))
                if ws.closed:
                    return
                for _ in range(repeat):
                    if isinstance(payload, bytes):
                        await ws.send_bytes(payload)
                    else:
                        await ws.send_str(payload)
                    self.sent += 1
                if item.log is not None:
                    log.record(*item.log)
                if faults.held is not None:
                    held, faults.held = faults.held, None
                    late = self.transform(encode(held))
                    await (ws.send_bytes(late) if isinstance(late, bytes) else ws.send_str(late))

    def transform(self, payload: str | bytes) -> str | bytes:
        """Hook for venue-specific wire faults on the encoded frame (BingX: corrupt gzip, text frame)."""
        return payload

    # -- connection-level faults ---------------------------------------------------------------------
    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        self.closed = True
        self._tx.close()
        if not self.ws.closed:
            await self.ws.close(code=code, message=message)

    def reset(self) -> None:
        """Abrupt TCP reset: SO_LINGER 0, then abort, so the peer sees RST rather than FIN."""
        self.closed = True
        self._tx.close()
        transport = self.ws._req.transport if self.ws._req is not None else None
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
