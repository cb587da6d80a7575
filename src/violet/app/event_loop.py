"""How violet's own processes run async code: anyio on asyncio with uvloop, the loop NautilusTrader runs on too, so
the in-process alpha plane and everything else share one loop kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio


def run_on_uvloop[T, *Args](func: Callable[[*Args], Awaitable[T]], *args: *Args) -> T:
    return anyio.run(func, *args, backend="asyncio", backend_options={"use_uvloop": True})
