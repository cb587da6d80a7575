"""One BingX WebSocket over picows, chosen by measurement (`violet bench latency`, the `bingx-lib-*` scenarios:
the same gunzip + decode behind aiohttp, websockets and picows; picows had the lowest p50, p99 and CPU).

picows calls back for each frame from its protocol on the event loop, so a frame goes from the socket to the
codec and the hub without a task switch. Control frames: PING is answered by picows, CLOSE is answered and ends
the connection; fragmented messages are reassembled (the venue does not fragment, but the protocol allows it).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

import picows

from violet.domain.errors import VioletError

FrameHandler = Callable[[bytes | str], None]
"""Called on the loop with each complete message: bytes for binary, str for text."""

_TEXT = picows.WSMsgType.TEXT
_BINARY = picows.WSMsgType.BINARY
_CONTINUATION = picows.WSMsgType.CONTINUATION
_CLOSE = picows.WSMsgType.CLOSE


class SocketError(VioletError):
    """The connection could not be opened (refused, TLS, handshake, timeout)."""


class _Listener(picows.WSListener):
    def __init__(self, on_message: FrameHandler) -> None:
        self._on_message = on_message
        self._parts: list[bytes] = []
        self._text = False
        self.close_code: int | None = None

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        kind = frame.msg_type
        if kind is _CLOSE:
            self.close_code = frame.get_close_code().value
            transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        if kind is _BINARY or kind is _TEXT:
            if frame.fin:
                payload = frame.get_payload_as_bytes()
                self._on_message(payload.decode("utf-8", "replace") if kind is _TEXT else payload)
                return
            self._parts, self._text = [frame.get_payload_as_bytes()], kind is _TEXT
        elif kind is _CONTINUATION and self._parts:
            self._parts.append(frame.get_payload_as_bytes())
            if frame.fin:
                payload = b"".join(self._parts)
                self._parts = []
                self._on_message(payload.decode("utf-8", "replace") if self._text else payload)


class BingxSocket:
    def __init__(self, transport: picows.WSTransport, listener: _Listener) -> None:
        self._transport = transport
        self._listener = listener

    @classmethod
    async def connect(
        cls, url: str, on_message: FrameHandler, *, ssl_context: ssl.SSLContext | None, timeout_s: float
    ) -> BingxSocket:
        try:
            transport, listener = await picows.ws_connect(
                lambda: _Listener(on_message),
                url,
                ssl_context=ssl_context,
                websocket_handshake_timeout=timeout_s,
                enable_auto_pong=True,
                max_frame_size=1 << 22,
            )
        except (picows.WSError, OSError, TimeoutError) as exc:
            raise SocketError(f"{type(exc).__name__}: {exc}") from exc
        assert isinstance(listener, _Listener)
        return cls(transport, listener)

    @property
    def close_code(self) -> int | None:
        """The venue's close code, if it closed the connection with one."""
        return self._listener.close_code

    def send_text(self, text: str) -> None:
        if not self._transport.is_disconnected:
            self._transport.send(_TEXT, text.encode())

    def close(self, reason: bytes = b"") -> None:
        """Close with 1001 (going away) and `reason`: picows sends only the protocol's registered codes."""
        transport = self._transport
        if transport.is_disconnected:
            return
        if not transport.is_close_frame_sent:
            transport.send_close(picows.WSCloseCode.GOING_AWAY, reason)
        transport.disconnect()

    async def wait_closed(self) -> None:
        await self._transport.wait_disconnected()
