"""Who may write a shared-memory table, and on which machines: one writer per table (a live writer's table is never
taken over), and only CPUs whose memory model the table's seqlock relies on."""

from __future__ import annotations

import os
import platform
from multiprocessing import resource_tracker, shared_memory

from violet.bridges.shm_layout import HEADER
from violet.domain.errors import VioletError


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriterAlive(VioletError, RuntimeError):
    """Another process writes this table now: two writers would corrupt each other's slots (one writer per table)."""

    def __init__(self, name: str, pid: int) -> None:
        super().__init__(
            f"shared-memory table {name} is being written by process {pid}, which is alive: one writer per table "
            "(is another `violet feed` with the same bridge prefix and shard running?)"
        )
        self.pid = pid


class UnsupportedPlatform(VioletError, RuntimeError):
    """The table's seqlock relies on the CPU keeping stores in order (x86-64's memory model)."""


SUPPORTED_MACHINES = ("x86_64", "amd64", "AMD64")
"""x86-64 keeps stores in program order for other cores (TSO): a reader that sees the slot's even sequence number
after the body sees the body. Weaker models (ARM, POWER) would need fences Python cannot issue."""


def check_platform(machine: str | None = None) -> None:
    arch = machine if machine is not None else platform.machine()
    if arch not in SUPPORTED_MACHINES:
        raise UnsupportedPlatform(
            f"the shared-memory bridge needs x86-64's store ordering and this machine is {arch or 'unknown'}; "
            "use the Hazelcast bridge (remote_hz) here"
        )


def replace_dead_writers_table(name: str) -> None:
    """A writer that died (SIGKILL) leaves its segment: the new one replaces it, and readers re-attach. One whose
    writer is alive is refused (`WriterAlive`)."""
    try:
        stale = shared_memory.SharedMemory(name)
    except FileNotFoundError:
        return
    try:
        buf = stale.buf
        pid = HEADER.unpack_from(buf, 0)[4] if buf is not None and stale.size >= HEADER.size else 0
        del buf
    finally:
        stale.close()
    if pid and pid != os.getpid() and pid_alive(pid):
        resource_tracker.unregister(stale._name, "shared_memory")  # type: ignore[attr-defined]
        raise WriterAlive(name, pid)
    stale.unlink()
