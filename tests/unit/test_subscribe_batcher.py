"""NautilusTrader's SUBSCRIBE frames as violet batches them, and the venue's answers as violet reads them, without a
node: the batcher is installed on a stand-in for NT's `BinanceWebSocketClient` (the four members it uses, as NT has
them: `_send`, `_handler`, `_create_subscribe_msg`, `_clients`; the drift tests check those against NT itself).
An ack confirms its request's streams; an error answer, with or without the request's id, is surfaced with the
venue's reason; a batch whose connection is down is reported, not lost in a task."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from violet.adapters.nt_binance.batching import SubscribeBatcher

pytestmark = pytest.mark.anyio


class _NtClient:
    def __init__(self, *, connected: bool = True) -> None:
        self.sent: list[dict[str, Any]] = []
        self.frames: list[bytes] = []
        self._clients: dict[int, object | None] = {0: object() if connected else None}
        self._msg_id = 1

    async def _send(self, client_id: int, msg: dict[str, Any]) -> None:
        self.sent.append(msg)

    def _handler(self, raw: bytes) -> None:
        self.frames.append(raw)

    def _create_subscribe_msg(self, streams: list[str]) -> dict[str, Any]:
        msg = {"method": "SUBSCRIBE", "params": streams, "id": self._msg_id}
        self._msg_id += 1
        return msg


def installed(nt: _NtClient) -> tuple[SubscribeBatcher, list[list[str]], list[tuple[list[str], str]]]:
    acked: list[list[str]] = []
    refused: list[tuple[list[str], str]] = []
    batcher = SubscribeBatcher.install(
        nt, frames_per_s=100, on_ack=acked.append, on_refused=lambda s, why: refused.append((s, why))
    )
    return batcher, acked, refused


async def flushed(nt: _NtClient, *streams: str) -> None:
    for stream in streams:
        await nt._send(0, {"method": "SUBSCRIBE", "params": [stream], "id": 0})
    with anyio.fail_after(5):
        while batcher_busy(nt):
            await anyio.sleep(0.005)


def batcher_busy(nt: _NtClient) -> bool:
    batcher: SubscribeBatcher = nt._send.__self__  # type: ignore[attr-defined]
    return bool(batcher._flushing)


async def test_streams_go_out_in_one_frame_and_an_ack_confirms_them() -> None:
    nt = _NtClient()
    _, acked, refused = installed(nt)
    await flushed(nt, "btcusdt@bookTicker", "ethusdt@bookTicker")
    assert [m["params"] for m in nt.sent] == [["btcusdt@bookTicker", "ethusdt@bookTicker"]]
    nt._handler(b'{"result":null,"id":1}')
    assert acked == [["btcusdt@bookTicker", "ethusdt@bookTicker"]] and refused == []
    assert nt.frames == [b'{"result":null,"id":1}'], "NautilusTrader still sees every frame"


@pytest.mark.parametrize(
    "answer",
    [
        b'{"code":2,"msg":"Invalid request: a connection can listen to at most 1024 streams","id":1}',
        b'{"error":{"code":2,"msg":"Invalid request: a connection can listen to at most 1024 streams"},"id":1}',
        b'{"id":1,"error":{"code":2,"msg":"Invalid request: a connection can listen to at most 1024 streams"}}',
    ],
    ids=["code-and-id", "error-object", "id-first"],
)
async def test_an_error_answer_refuses_its_requests_streams_with_the_venues_reason(answer: bytes) -> None:
    nt = _NtClient()
    _, acked, refused = installed(nt)
    await flushed(nt, "btcusdt@bookTicker")
    nt._handler(answer)
    assert acked == []
    assert refused == [(["btcusdt@bookTicker"], "2 Invalid request: a connection can listen to at most 1024 streams")]


async def test_an_error_answer_without_an_id_is_still_surfaced() -> None:
    nt = _NtClient()
    _, _, refused = installed(nt)
    await flushed(nt, "btcusdt@bookTicker")
    nt._handler(b'{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}')
    assert refused == [([], "3 Invalid JSON: expected value at line 1 column 1")]


async def test_a_batch_whose_connection_is_down_is_reported_not_lost() -> None:
    nt = _NtClient(connected=False)
    _, _, refused = installed(nt)
    await flushed(nt, "btcusdt@bookTicker")
    assert nt.sent == []
    assert refused == [(["btcusdt@bookTicker"], "not sent: connection 0 not up")]
