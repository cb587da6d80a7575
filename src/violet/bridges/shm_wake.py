"""Readers' wake-ups for the shared-memory tables: each reader binds a UNIX datagram socket in the bridge's 0700
directory, and the writer sends it a byte per batch of writes, so readers wait in the event loop instead of polling."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from pathlib import Path

from violet.bridges.shm_ownership import pid_alive


def wake_base() -> Path:
    """Where wake-up directories live: XDG_RUNTIME_DIR, else a per-user 0700 directory under /tmp."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime)
    base = Path(f"/tmp/violet-{os.getuid()}")  # noqa: S108 - per-user, made 0700 here
    base.mkdir(mode=0o700, exist_ok=True)
    if base.stat().st_mode & 0o077:
        base.chmod(0o700)  # made by an older violet, or before the umask applied
    return base


def wake_dir(bridge: str) -> Path:
    """The bridge's wake-up directory (0700); the last reader to leave removes it."""
    path = wake_base() / f"violet-{bridge}-wake"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def remove_dead_readers(directory: Path) -> int:
    """Unlink the sockets of reader processes that died without cleaning up (`r<pid>-<token>.sock`)."""
    removed = 0
    for sock in directory.glob("r*-*.sock"):
        pid_text = sock.name[1:].split("-", 1)[0]
        if pid_text.isdigit() and not pid_alive(int(pid_text)):
            with contextlib.suppress(FileNotFoundError):
                sock.unlink()
                removed += 1
    return removed


class WakeSocket:
    """A reader's UNIX datagram socket in the bridge's 0700 wake directory."""

    def __init__(self, bridge: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        for attempt in (1, 2):
            directory = wake_dir(bridge)
            remove_dead_readers(directory)
            self.path = directory / f"r{os.getpid()}-{secrets.token_hex(4)}.sock"
            try:
                self.sock.bind(str(self.path))
                break
            except FileNotFoundError:
                if attempt == 2:  # the last reader of another process removed the directory just now, twice
                    self.sock.close()
                    raise
        os.chmod(self.path, 0o600)
        self.sock.setblocking(False)

    def drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while True:
                self.sock.recv(4096)

    def close(self) -> None:
        """Close and unlink the socket; the last reader of the bridge removes its directory too."""
        self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):  # not empty: another reader (or a writer's view of one) still there
            self.path.parent.rmdir()
