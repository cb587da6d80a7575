"""Before pytest-timeout ends a hung test, write where every asyncio task of the main thread's loop is waiting.

pytest-timeout's own dump shows thread stacks only, and a hung async test's main thread is always inside
`run_until_complete`: the report that tells which `await` never returns is the tasks' stacks.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _main_thread_loop() -> asyncio.AbstractEventLoop | None:
    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    while frame is not None:
        # uvloop's run_until_complete has no Python frame: the loop is found on its caller (anyio's test runner
        # hands it out with `get_loop()`, asyncio.Runner keeps it as `_loop`).
        owner = frame.f_locals.get("self")
        get_loop = getattr(owner, "get_loop", None)
        for candidate in (owner, getattr(owner, "_loop", None), get_loop() if callable(get_loop) else None):
            if isinstance(candidate, asyncio.AbstractEventLoop):
                return candidate
        frame = frame.f_back
    return None


def write_tasks(out: TextIO) -> None:
    loop = _main_thread_loop()
    if loop is None:
        out.write("hang report: the main thread runs no event loop\n")
        return
    # Read from another thread while the loop runs: good enough for a report written once, just before the end.
    tasks = list(asyncio.all_tasks(loop))
    out.write(f"hang report: {len(tasks)} asyncio task(s) on the main thread's loop\n")
    for task in tasks:
        out.write(f"--- task {task.get_name()!r}, awaiting (outermost first):\n")
        for where in _await_chain(task.get_coro()):
            out.write(f"    {where}\n")
    out.flush()


def _await_chain(awaitable: object) -> list[str]:
    """file:line (function) of each coroutine down the chain a suspended task is waiting in, then what it awaits."""
    chain: list[str] = []
    while awaitable is not None and len(chain) < 60:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            chain.append(repr(awaitable)[:300])
            break
        chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})")
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return chain


@contextmanager
def report_if_still_running(after_s: float, out: TextIO = sys.stderr) -> Iterator[None]:
    timer = threading.Timer(after_s, write_tasks, args=(out,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
