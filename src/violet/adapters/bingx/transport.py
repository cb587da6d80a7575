"""What the BingX adapter needs from the network, as two small protocols, and their real implementations.

The adapter's logic (acks, refusals, stalls, reconnects) is written against `Connector` and `ContractSource`, so it
runs the same over picows and the venue's REST (production, `network_transport`) and over a scripted peer
(`violet.adapters.bingx.scripted`, unit tests without sockets).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Protocol

import attrs

from violet.adapters.bingx.contracts import SwapContract, load_contracts
from violet.adapters.bingx.socket import BingxSocket, FrameHandler


class Connection(Protocol):
    """One open WebSocket: frames arrive through the handler given to `Connector.connect`."""

    @property
    def close_code(self) -> int | None: ...

    def send_text(self, text: str) -> None: ...

    def close(self, reason: bytes = b"") -> None: ...

    async def wait_closed(self) -> None: ...


class Connector(Protocol):
    async def connect(self, url: str, on_message: FrameHandler, *, timeout_s: float) -> Connection:
        """Open a connection or raise `SocketError`."""
        ...


class ContractSource(Protocol):
    async def served(self, wanted: Sequence[str]) -> tuple[dict[str, SwapContract], list[str]]:
        """(served, missing): the wanted assets the venue lists online, and the others."""
        ...


@attrs.frozen
class PicowsConnector:
    ssl_context: ssl.SSLContext | None = None

    async def connect(self, url: str, on_message: FrameHandler, *, timeout_s: float) -> Connection:
        return await BingxSocket.connect(url, on_message, ssl_context=self.ssl_context, timeout_s=timeout_s)


@attrs.frozen
class RestContracts:
    base_url_http: str
    ssl_context: ssl.SSLContext | None = None

    async def served(self, wanted: Sequence[str]) -> tuple[dict[str, SwapContract], list[str]]:
        return await load_contracts(self.base_url_http, wanted, ssl_context=self.ssl_context)
