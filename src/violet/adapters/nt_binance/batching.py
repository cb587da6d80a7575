"""SUBSCRIBE frames of NautilusTrader's Binance WebSocket clients, batched and paced; their acks, tracked.

NautilusTrader sends one `SUBSCRIBE` frame per stream, unpaced, while Binance drops a connection that sends
more than 10 messages a second (and accepts many streams in one frame). Subscribing 50 symbols one stream at
a time within that limit takes 12 s. This module takes over the one method every frame goes through
(`BinanceWebSocketClient._send(client_id, msg)`): SUBSCRIBE frames queued within a short window are merged
into one frame per connection, frames are spaced to stay under the venue's message limit, and every other
frame (UNSUBSCRIBE, ...) waits for the queued subscriptions so the venue sees requests in order.

It also wraps the frame handler to see the venue's `{"result":null,"id":N}` acks, which NautilusTrader
ignores, so violet knows which streams the venue has confirmed, and its error answers (`{"code":2,"msg":...}`, with
or without the request's id, or wrapped as `{"error":{...},"id":N}`), which NautilusTrader also ignores, so a refused
subscription is surfaced with the venue's reason instead of waiting out the ready timeout in silence. Both private
names are checked by the behavioural drift tests (tests/adapters/test_nt_drift.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec

GATHER_S = 0.02
"""How long a first queued stream waits for the ones NautilusTrader is about to queue (it wakes its waiting
subscribe tasks every 10 ms)."""
MAX_STREAMS_PER_FRAME = 200
"""NautilusTrader's own per-connection stream cap; Binance allows 1,024 per connection."""

_ACK_PREFIX = b'{"result":'
_ANSWER_PREFIXES = (b'{"error":', b'{"code":', b'{"id":')
"""How the venue's error answers start (data frames start `{"stream":` or `{"e":`)."""

log = logging.getLogger("violet.nt_binance")


class _Error(msgspec.Struct):
    code: int | None = None
    msg: str = ""


class _Answer(msgspec.Struct):
    id: int | None = None
    result: Any = None
    code: int | None = None
    msg: str = ""
    error: _Error | None = None


_decode_answer = msgspec.json.Decoder(_Answer).decode

Refused = Callable[[list[str], str], None]
"""(the streams of the refused or unsent request, or [] when the venue's answer names no request; the reason)"""


class SubscribeBatcher:
    """Installed on one `BinanceWebSocketClient` (before it connects) by `install`."""

    def __init__(
        self,
        ws_client: Any,
        *,
        frames_per_s: float,
        on_ack: Callable[[list[str]], None],
        on_refused: Refused | None = None,
    ) -> None:
        self._ws = ws_client
        self._interval_s = 1.0 / frames_per_s
        self._on_ack = on_ack
        self._on_refused = on_refused or (lambda streams, why: None)
        self._original_send = ws_client._send
        self._pending: dict[int, list[str]] = {}
        self._flushing: dict[int, asyncio.Task[None]] = {}
        self._last_sent: dict[int, float] = {}
        self._awaiting_ack: dict[int, list[str]] = {}
        self.frames_sent = 0
        self.streams_sent = 0

    @classmethod
    def install(
        cls,
        ws_client: Any,
        *,
        frames_per_s: float,
        on_ack: Callable[[list[str]], None],
        on_refused: Refused | None = None,
    ) -> SubscribeBatcher:
        batcher = cls(ws_client, frames_per_s=frames_per_s, on_ack=on_ack, on_refused=on_refused)
        ws_client._send = batcher.send
        original_handler: Callable[[bytes], None] = ws_client._handler

        def handler(raw: bytes) -> None:
            if raw.startswith(_ACK_PREFIX) or raw.startswith(_ANSWER_PREFIXES):
                batcher.answered(raw)
            original_handler(raw)

        ws_client._handler = handler
        return batcher

    # -- NautilusTrader's side ----------------------------------------------------------------------------
    async def send(self, client_id: int, msg: dict[str, Any]) -> None:
        if msg.get("method") == "SUBSCRIBE":
            queued = self._pending.setdefault(client_id, [])
            queued.extend(p for p in msg.get("params", ()) if p not in queued)
            if client_id not in self._flushing:
                self._flushing[client_id] = asyncio.get_running_loop().create_task(self._flush_later(client_id))
            return
        task = self._flushing.get(client_id)
        if task is not None:
            await asyncio.shield(task)
        await self._paced_send(client_id, msg)

    # -- violet's side ------------------------------------------------------------------------------------
    async def _flush_later(self, client_id: int) -> None:
        try:
            await asyncio.sleep(GATHER_S)
            while self._pending.get(client_id):
                streams = self._pending[client_id]
                batch, self._pending[client_id] = streams[:MAX_STREAMS_PER_FRAME], streams[MAX_STREAMS_PER_FRAME:]
                msg = self._ws._create_subscribe_msg(streams=batch)
                self._awaiting_ack[int(msg["id"])] = batch
                # NautilusTrader's `_send` drops a frame for a connection that is not up with only a log line of
                # its own: said here, so the streams are known unconfirmed (its reconnect resubscribes them all).
                if self._ws._clients.get(client_id) is None:
                    self._unsent(batch, f"connection {client_id} not up")
                    continue
                try:
                    await self._paced_send(client_id, msg)
                except Exception as exc:  # any failure of a send is reported, never lost in the task
                    self._unsent(batch, f"{type(exc).__name__}: {exc}")
                    continue
                self.streams_sent += len(batch)
        finally:
            self._flushing.pop(client_id, None)

    def _unsent(self, batch: list[str], why: str) -> None:
        log.warning("SUBSCRIBE of %d stream(s) (%s, ...) not sent: %s", len(batch), batch[0], why)
        self._on_refused(batch, f"not sent: {why}")

    async def _paced_send(self, client_id: int, msg: dict[str, Any]) -> None:
        wait = self._last_sent.get(client_id, 0.0) + self._interval_s - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[client_id] = time.monotonic()
        self.frames_sent += 1
        await self._original_send(client_id, msg)

    def answered(self, raw: bytes) -> None:
        """An ack (`{"result":null,"id":N}`) confirms its request's streams; an error answer refuses them."""
        try:
            answer = _decode_answer(raw)
        except msgspec.DecodeError:
            return
        error = answer.error or (_Error(answer.code, answer.msg) if answer.code is not None else None)
        streams = self._awaiting_ack.pop(answer.id, None) if answer.id is not None else None
        if error is not None:
            log.warning("Binance refused SUBSCRIBE %s: %s %s", answer.id, error.code, error.msg)
            self._on_refused(streams or [], f"{error.code} {error.msg}")
        elif streams is not None and answer.result is None:
            self._on_ack(streams)
