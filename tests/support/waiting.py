"""Waiting for a condition that another task, thread or process makes true: a short poll under a deadline that
names what was awaited. (Events are used where the code under test offers one; these conditions do not.)"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
import pytest


async def eventually(predicate: Callable[[], object], what: str = "the condition", timeout_s: float = 20.0) -> None:
    try:
        with anyio.fail_after(timeout_s):
            while not predicate():
                await anyio.sleep(0.01)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")


async def eventually_async(
    check: Callable[[], Awaitable[object]], what: str = "the condition", timeout_s: float = 20.0
) -> None:
    """`eventually` for a condition that must be fetched (an HTTP endpoint, a child's output)."""
    try:
        with anyio.fail_after(timeout_s):
            while not await check():
                await anyio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")


def wait_until(predicate: Callable[[], object], what: str = "the condition", timeout_s: float = 20.0) -> None:
    """`eventually` for a test with no event loop (a child process's files)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.05)
