"""Process control every violet command and bench shares: stop on a signal, stop a child, start a child and read
its ready line."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import cast

import anyio
import anyio.abc

from violet.domain.errors import VioletError


async def cancel_on_signal(scope: anyio.CancelScope) -> None:
    """Cancel `scope` on the first SIGINT or SIGTERM: the way every long-running violet command stops cleanly."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return


async def stop_process(proc: anyio.abc.Process, grace_s: float = 10.0) -> None:
    """SIGTERM, up to `grace_s` to exit, then SIGKILL; pipes closed. Shielded: it runs while things are cancelled."""
    with anyio.CancelScope(shield=True):
        if proc.returncode is None:
            proc.terminate()
            with anyio.move_on_after(grace_s):
                await proc.wait()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await proc.aclose()


PARENT_PID_VARIABLE = "VIOLET_PARENT_PID"
"""Set for a child violet starts: the child asks the kernel for SIGTERM when that parent dies."""
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child violet started (simulator, `violet feed`): SIGTERM this process when its parent dies, however it
    dies (a SIGKILLed `violet run` cannot stop its children itself). Exits now if the parent is already gone."""
    parent = os.environ.pop(PARENT_PID_VARIABLE, None)  # not inherited further: it names this process's parent
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != int(parent):  # died between our fork and the prctl: the signal will never come
        raise SystemExit(0)


class ChildFailed(VioletError, RuntimeError):
    pass


async def concurrently[T](calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run every call at once and return their results in order. The first failure cancels the others and is raised
    as itself (not inside an exception group), so a caller handles one child's failure as it would a single start.

    Feed shards start this way: each one's start is NautilusTrader subscribing its slice, paced per connection, so
    shards started one after another would take the sum of their starts instead of the longest."""
    results: list[T | None] = [None] * len(calls)
    failures: list[BaseException] = []

    async def run(i: int, call: Callable[[], Awaitable[T]], scope: anyio.CancelScope) -> None:
        try:
            results[i] = await call()
        except Exception as exc:
            failures.append(exc)
            scope.cancel()

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(run, i, call, tg.cancel_scope)
    if failures:
        raise failures[0]
    return cast("list[T]", results)  # every slot was filled: no call failed


async def spawn_ready(
    cmd: Sequence[str], *, name: str, timeout_s: float = 60.0, new_session: bool = False
) -> tuple[anyio.abc.Process, bytes]:
    """Start `cmd` and wait for the first line it prints on stdout (its ready line); stderr is inherited. The
    caller stops it with `stop_process`; a violet child also stops when this process dies (`die_with_parent`)."""
    env = {**os.environ, PARENT_PID_VARIABLE: str(os.getpid())}
    proc = await anyio.open_process(list(cmd), stdout=-1, stderr=None, start_new_session=new_session, env=env)
    try:
        assert proc.stdout is not None
        buf = b""
        with anyio.fail_after(timeout_s):
            while b"\n" not in buf:
                try:
                    buf += await proc.stdout.receive()
                except anyio.EndOfStream:
                    raise ChildFailed(f"{name} exited before it was ready (code {await proc.wait()})") from None
    except BaseException:
        await stop_process(proc)
        raise
    return proc, buf.split(b"\n", 1)[0]
