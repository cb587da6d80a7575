"""The Hazelcast client's reactor wake-up, original and as violet mends it (`violet.bridges.hz_client`).

The lost wake-up needs a writer thread to run between two statements of the reactor's `handle_read`; here that
interleaving is made deterministic by letting the "writer" wake the reactor from inside the pipe read the
reactor does, on the client's real waker class.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.hz_cluster import HzCluster
from violet.bridges import hz_client


def _pipe_empty(waker: Any) -> bool:
    return not select.select([waker._read_fd], [], [], 0)[0]


def _waker_class() -> Any:
    from hazelcast import reactor

    return vars(reactor)["_PipedWaker"]


def _woken_during_drain(handle_read: Callable[[Any], None], monkeypatch: pytest.MonkeyPatch) -> Any:
    """A waker that was woken (byte in the pipe), whose reactor then runs `handle_read` while a writer thread
    queues data and calls `wake()` just as the reactor starts reading the pipe."""
    waker: Any = _waker_class()({})
    waker.wake()
    real_read = os.read
    woke: list[bool] = []

    def read_with_a_writer_in_between(fd: int, n: int) -> bytes:
        if not woke:
            woke.append(True)
            waker.wake()  # the writer: sets the flag and writes a byte only if the flag is clear
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", read_with_a_writer_in_between)
    handle_read(waker)
    monkeypatch.setattr(os, "read", real_read)
    return waker


def test_the_clients_own_waker_gets_stuck_awake_with_an_empty_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    hz_client.mend_client()
    waker = _woken_during_drain(hz_client.UNMENDED_HANDLE_READ, monkeypatch)
    try:
        # Stuck: every later wake() sees the flag set and writes nothing, so the reactor sleeps its full poll.
        assert waker.awake
        assert _pipe_empty(waker)
    finally:
        waker.close()


def test_the_mended_waker_is_clear_after_the_same_interleaving(monkeypatch: pytest.MonkeyPatch) -> None:
    hz_client.mend_client()
    waker = _woken_during_drain(_waker_class().handle_read, monkeypatch)
    try:
        assert not waker.awake, "the next wake() must write to the pipe again"
        waker.wake()
        assert not _pipe_empty(waker)
    finally:
        waker.close()


def test_violets_clients_carry_the_mended_waker(hz_cluster: HzCluster) -> None:
    client = hz_client.connect(cluster=hz_cluster.name, members=hz_cluster.members)
    try:
        waker = client._reactor._loop.waker
        assert type(waker).handle_read is hz_client._drain_then_clear
        imap = client.get_map("violet-test-waker").blocking()
        imap.set("k", bytearray(b"v"))
        assert imap.get("k") == bytearray(b"v")
    finally:
        client.shutdown()
