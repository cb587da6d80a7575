"""The Hazelcast client's read buffer, original and as violet mends it (`violet.bridges.hz_client`): a reader that
is always mid-message when it stops reading (it fell behind a stream of events) keeps every byte it ever read in the
client's own reader, and only what it has not parsed yet in the mended one. No member needed: the reader is fed the
client's own encoded messages, cut where a real socket read would cut them."""

from __future__ import annotations

from typing import Any

import pytest
from hazelcast import connection
from hazelcast.protocol.codec import client_ping_codec

from violet.bridges import hz_client

_Reader: Any = vars(connection)["_Reader"]  # the client's own, untyped
_ping: Any = client_ping_codec.encode_request
MESSAGE = bytes(_ping().buf)


class _Builder:
    def __init__(self) -> None:
        self.messages = 0

    def on_message(self, _message: Any) -> None:
        self.messages += 1


def _stream_cut_mid_message(process: Any, reads: int, per_read: int) -> tuple[_Builder, int]:
    """`reads` reads of `per_read` whole messages plus half of the next, processed after each read as the
    client's reactor does, then a last read that completes the stream. Returns the messages parsed and the
    buffer's size before that last read."""
    builder = _Builder()
    reader = _Reader(builder)
    stream = MESSAGE * (reads * per_read + 1)
    chunk = len(MESSAGE) * per_read
    half = len(MESSAGE) // 2
    at = 0
    for _ in range(reads):
        reader.read(stream[at : at + chunk + (half if at == 0 else 0)])
        at += chunk + (half if at == 0 else 0)
        process(reader)
    held = len(reader._buf.getbuffer())
    reader.read(stream[at:])
    process(reader)
    return builder, held


@pytest.fixture(scope="module", autouse=True)
def _mended() -> None:
    assert hz_client.mend_client(), "hazelcast-python-client changed: the mend no longer applies"


def test_the_clients_own_reader_keeps_every_byte_while_reads_end_mid_message() -> None:
    builder, held = _stream_cut_mid_message(hz_client.UNMENDED_PROCESS, reads=2_000, per_read=50)
    assert builder.messages == 2_000 * 50 + 1
    assert held >= 2_000 * 50 * len(MESSAGE), "grew with the stream"


def test_the_mended_reader_keeps_only_what_it_has_not_parsed() -> None:
    builder, held = _stream_cut_mid_message(_Reader.process, reads=2_000, per_read=50)
    assert builder.messages == 2_000 * 50 + 1, "every message parsed, none lost or doubled by compaction"
    assert held < hz_client.COMPACT_AFTER + 50 * len(MESSAGE), "bounded by the compaction mark"
