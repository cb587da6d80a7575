"""An object that holds what it started for the span of an `async with`, in one AsyncExitStack: task groups are
entered as context managers and closed in reverse order of opening, never driven by hand."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable
from types import TracebackType


class StackLifetime:
    _exit: contextlib.AsyncExitStack | None = None

    async def _open(self, start: Callable[[contextlib.AsyncExitStack], Awaitable[Exception | None]]) -> None:
        """Run `start` with a fresh stack; keep the stack open until `__aexit__`. `start` may return an error to
        raise once everything it opened is closed again (so it is not raised from inside a task group)."""
        stack = contextlib.AsyncExitStack()
        await stack.__aenter__()
        try:
            failure = await start(stack)
        except BaseException:
            if not await stack.__aexit__(*sys.exc_info()):
                raise
            return
        if failure is not None:
            await stack.__aexit__(None, None, None)
            raise failure
        self._exit = stack

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stack, self._exit = self._exit, None
        if stack is not None:
            await stack.__aexit__(exc_type, exc, tb)
