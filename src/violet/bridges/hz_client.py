"""The one place violet creates Hazelcast clients (feed publisher, remote adapter, benches).

hazelcast-python-client 5.7.0 loses wake-ups of its reactor thread. A thread that queues a write wakes the reactor
through a pipe guarded by an `awake` flag, and the reactor's `handle_read` clears the flag *before* draining the
pipe. A write that lands between the two (it takes a GIL switch at that exact point, which a busy process such as
a feed running NautilusTrader makes near certain within seconds) sets the flag, writes its byte, and the drain
swallows it: the flag stays set with the pipe empty, no later write ever signals again, and from then on every
write waits for the reactor's 10 ms poll timeout (docs/architecture.md, the Hazelcast section, has the figures).
Draining first and then clearing the flag loses nothing: a writer that still sees the flag set has already queued its
data, and the reactor looks at the write queue again before it next sleeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

_MENDED = False
UNMENDED_HANDLE_READ: Any = None
"""The client's own `handle_read`, kept for the test that shows the lost wake-up."""


def _drain_then_clear(waker: Any) -> None:
    try:
        while len(os.read(waker._read_fd, 4096)) == 4096:
            pass
    except OSError:
        pass
    waker.awake = False


def mend_reactor_waker() -> bool:
    """Install the race-free wake-up on the client's pipe waker; False if this client version has none (then
    there is nothing to mend, or it is built differently and left alone)."""
    global _MENDED, UNMENDED_HANDLE_READ
    if _MENDED:
        return True
    from hazelcast import reactor

    waker_class = getattr(reactor, "_PipedWaker", None)
    if waker_class is None or not hasattr(waker_class, "handle_read") or not hasattr(waker_class, "wake"):
        return False
    UNMENDED_HANDLE_READ = waker_class.handle_read
    waker_class.handle_read = _drain_then_clear
    _MENDED = True
    return True


def connect(
    *,
    cluster: str,
    members: Sequence[str],
    connect_timeout_s: float = 20.0,
    lifecycle_listeners: Sequence[Callable[[str], None]] = (),
) -> Any:
    """A started client (blocking: call it from a worker thread when on an event loop)."""
    from hazelcast.client import HazelcastClient

    mend_reactor_waker()
    return HazelcastClient(
        cluster_name=cluster,
        cluster_members=list(members),
        cluster_connect_timeout=connect_timeout_s,
        lifecycle_listeners=list(lifecycle_listeners),
    )
