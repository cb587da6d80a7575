"""Child processes in tests end the same way: SIGTERM, up to 10 s to go, then SIGKILL; pipes closed."""

from __future__ import annotations

import anyio
import anyio.abc


async def stop_process(proc: anyio.abc.Process, grace_s: float = 10.0) -> None:
    if proc.returncode is None:
        proc.terminate()
        with anyio.move_on_after(grace_s, shield=True):
            await proc.wait()
        if proc.returncode is None:
            proc.kill()
    await proc.aclose()
