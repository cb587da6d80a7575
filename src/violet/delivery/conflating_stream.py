"""A subscriber's bounded, conflating mailbox.

At most one unread tick per (asset, kind) is kept: a newer one replaces it and moves to the back, so the
mailbox stays in publication order and its size is bounded by the subscription, not by the publish rate.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Self

import anyio
import anyio.lowlevel
import sniffio

from violet.delivery.counters import MutableCounters
from violet.delivery.taps import TapGuard
from violet.domain import NormalizedTick, TickKind


class ConflatingStream:
    __slots__ = (
        "_assets",
        "_asyncio",
        "_closed",
        "_conflated",
        "_counters",
        "_delivery_taps",
        "_ending",
        "_guard",
        "_on_close",
        "_pending",
        "_waiter",
    )
    # The waiter is a bare asyncio future on asyncio (the hop from `push` to the reader is the hot path, and a future
    # costs a quarter of an anyio.Event there), an anyio.Event on other backends.

    def __init__(
        self,
        assets: frozenset[str],
        *,
        counters: MutableCounters,
        on_close: Callable[[ConflatingStream], None],
        delivery_taps: Sequence[Callable[[NormalizedTick], None]] = (),
        taps: TapGuard | None = None,
    ) -> None:
        """`delivery_taps`: called with each tick as it is read (the hub's live list: taps come and go)."""
        self._assets = assets
        self._counters = counters
        self._on_close = on_close
        self._delivery_taps = delivery_taps
        self._guard = taps or TapGuard(counters)
        self._pending: dict[tuple[str, TickKind], NormalizedTick] = {}
        self._conflated: Counter[str] = Counter()
        self._waiter: asyncio.Future[None] | anyio.Event | None = None
        self._closed = False
        self._ending = False
        self._asyncio: bool | None = None
        """The reader's backend, asked once (sniffio costs a third of a microsecond a wait): one stream, one reader."""

    @property
    def assets(self) -> frozenset[str]:
        return self._assets

    @property
    def closed(self) -> bool:
        return self._closed

    def conflated_by_asset(self) -> Mapping[str, int]:
        return dict(self._conflated)

    def holds(self, asset: str, kind: TickKind) -> bool:
        """A tick of this asset and kind waits to be read (the next one would replace it)."""
        return (asset, kind) in self._pending

    def note_conflated(self, asset: str, n: int) -> None:
        """`n` updates of `asset` were conflated before reaching this stream (by a bridge)."""
        if not self._closed:
            self._conflated[asset] += n

    def push(self, tick: NormalizedTick) -> None:
        """Called by the hub on the event-loop thread; never blocks."""
        if self._closed:
            return
        key = (tick.asset, tick.kind)
        pending = self._pending
        if key in pending:
            del pending[key]
            self._conflated[tick.asset] += 1
            self._counters.conflated += 1
        pending[key] = tick
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            _wake(waiter)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> NormalizedTick:
        pending = self._pending
        if pending:
            # A reader with data always pending must still give cancellation a chance.
            await anyio.lowlevel.checkpoint_if_cancelled()
        while not pending:
            if self._closed or self._ending:
                raise StopAsyncIteration
            if self._waiter is not None:
                # One stream has one reader: a second one would take the first one's wake-up and leave it waiting
                # for good. Subscribe once per task instead (each subscription gets every tick).
                raise anyio.BusyResourceError("reading from this stream (subscribe once per reading task)")
            if self._asyncio is None:
                self._asyncio = sniffio.current_async_library() == "asyncio"
            if self._asyncio:
                future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiter = future
                try:
                    await future
                finally:
                    if self._waiter is future:
                        self._waiter = None
            else:
                event = self._waiter = anyio.Event()
                await event.wait()
        key = next(iter(pending))
        tick = pending.pop(key)
        self._counters.delivered += 1
        for tap in self._delivery_taps:
            try:
                tap(tick)
            except Exception as exc:  # a tap never stops delivery: counted, logged once
                self._guard.failed(tap, exc)
        return tick

    def end(self) -> None:
        """Nothing more will come (a finite replay reached its end): iteration stops once what is pending is read,
        unlike `close`, which drops it."""
        self._ending = True
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            _wake(waiter)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pending.clear()
        self._on_close(self)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            _wake(waiter)

    async def aclose(self) -> None:
        self.close()
        await anyio.lowlevel.checkpoint()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _wake(waiter: asyncio.Future[None] | anyio.Event) -> None:
    if isinstance(waiter, asyncio.Future):
        if not waiter.done():
            waiter.set_result(None)
    else:
        waiter.set()
