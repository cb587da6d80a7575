"""The one place violet creates Hazelcast clients (feed publisher, remote adapter, benches).

hazelcast-python-client 5.7.0 loses wake-ups of its reactor thread. A thread that queues a write wakes the reactor
through a pipe guarded by an `awake` flag, and the reactor's `handle_read` clears the flag *before* draining the
pipe. A write that lands between the two (it takes a GIL switch at that exact point, which a busy process such as
a feed running NautilusTrader makes near certain within seconds) sets the flag, writes its byte, and the drain
swallows it: the flag stays set with the pipe empty, no later write ever signals again, and from then on every
write waits for the reactor's 10 ms poll timeout (docs/architecture.md, the Hazelcast section, has the figures).
Draining first and then clearing the flag loses nothing: a writer that still sees the flag set has already queued its
data, and the reactor looks at the write queue again before it next sleeps.

It also lets a connection's read buffer grow without bound. Each read appends to one `io.BytesIO`, and the buffer
starts over only when a read ends exactly at a message's end. A reader that falls behind a stream of map events (a
burst, a busy process) reads whatever has piled up, which ends mid-message, and from then on every read appends
after the last: a traced chaos run found 28.6 MiB in that buffer after six minutes, and untraced it was the
reactor's RSS creep. Mended: once what was read is at least `COMPACT_AFTER` bytes, the unread tail (less than a
message) moves to a fresh buffer.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import Any

_MENDED = False
UNMENDED_HANDLE_READ: Any = None
"""The client's own `handle_read`, kept for the test that shows the lost wake-up."""
UNMENDED_PROCESS: Any = None
"""The client's own `_Reader.process`, kept for the test that shows the buffer growing."""
COMPACT_AFTER = 256 * 1024
RETRY_INITIAL_BACKOFF_S = 0.1
RETRY_MAX_BACKOFF_S = 0.25


def _drain_then_clear(waker: Any) -> None:
    try:
        while len(os.read(waker._read_fd, 4096)) == 4096:
            pass
    except OSError:
        pass
    waker.awake = False


def _compacted(reader: Any) -> None:
    consumed = reader._bytes_read
    if consumed < COMPACT_AFTER:
        return
    old = reader._buf
    old.seek(consumed)
    tail = io.BytesIO(old.read())
    reader._buf = tail
    reader._bytes_written -= consumed
    reader._bytes_read = 0


def _process_then_compact(reader: Any) -> None:
    UNMENDED_PROCESS(reader)
    _compacted(reader)


def mend_client() -> bool:
    """Install the race-free wake-up on the client's pipe waker and the compacting read buffer; False if this client
    version is built differently (then nothing is mended: the drift check in the tests fails first)."""
    global _MENDED, UNMENDED_HANDLE_READ, UNMENDED_PROCESS
    if _MENDED:
        return True
    from hazelcast import connection, reactor

    waker_class = getattr(reactor, "_PipedWaker", None)
    if waker_class is None or not hasattr(waker_class, "handle_read") or not hasattr(waker_class, "wake"):
        return False
    reader_class = getattr(connection, "_Reader", None)
    if reader_class is None or not all(hasattr(reader_class, a) for a in ("process", "read", "length")):
        return False
    UNMENDED_HANDLE_READ = waker_class.handle_read
    waker_class.handle_read = _drain_then_clear
    UNMENDED_PROCESS = reader_class.process
    reader_class.process = _process_then_compact
    _MENDED = True
    return True


def connect(
    *,
    cluster: str,
    members: Sequence[str],
    connect_timeout_s: float = 20.0,
    lifecycle_listeners: Sequence[Callable[[str], None]] = (),
) -> Any:
    """A started client (blocking: call it from a worker thread when on an event loop).

    Reconnection is retried every 0.1-0.25 s, not the client's default 1 s growing to 30 s: a feed and its readers
    are blind until both have reconnected, and with the default a member that came back waited up to a second more
    for each of them (in the chaos run, a busy stream's first fresh price came 0.1-1.1 s after a member restart
    healed, and a sparse one's only trade in that time was too old by the time it arrived). A few attempts a second
    per client are nothing to a member; the jitter keeps many clients from arriving together."""
    from hazelcast.client import HazelcastClient

    mend_client()
    return HazelcastClient(
        cluster_name=cluster,
        cluster_members=list(members),
        cluster_connect_timeout=connect_timeout_s,
        lifecycle_listeners=list(lifecycle_listeners),
        retry_initial_backoff=RETRY_INITIAL_BACKOFF_S,
        retry_max_backoff=RETRY_MAX_BACKOFF_S,
        retry_multiplier=1.5,
        retry_jitter=0.2,
    )
