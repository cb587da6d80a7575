"""The real member the project's script starts: the 5.7.0 Python client connects, writes, listens."""

from __future__ import annotations

import threading
from typing import Any

from hazelcast.client import HazelcastClient

from tests.support.hz_cluster import HzCluster


def test_client_round_trip_and_entry_listener(hz_cluster: HzCluster) -> None:
    client = HazelcastClient(
        cluster_name=hz_cluster.name, cluster_members=list(hz_cluster.members), cluster_connect_timeout=20
    )
    try:
        events: list[tuple[str, bytearray]] = []
        seen = threading.Event()

        def on_event(event: object) -> None:  # runs on the client's reactor thread
            events.append((event.key, event.value))  # type: ignore[attr-defined]
            seen.set()

        imap: Any = client.get_map("violet-test").blocking()
        imap.add_entry_listener(include_value=True, added_func=on_event, updated_func=on_event)
        imap.set("BTCUSDT-PERP|quote", bytearray(b"\x01payload"))
        assert imap.get("BTCUSDT-PERP|quote") == bytearray(b"\x01payload"), "bytearray is stored natively, not pickled"
        assert seen.wait(10)
        assert events[0] == ("BTCUSDT-PERP|quote", bytearray(b"\x01payload"))
    finally:
        client.shutdown()
