"""A consumer task that drains a stream and lets tests await specific ticks (the fence), never sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import anyio
import anyio.abc

from tests.contract.harness import FeedHarness, VenueUpdate
from violet.domain import NormalizedTick
from violet.ports import TickStream


class Collector:
    def __init__(self, stream: TickStream) -> None:
        self.stream = stream
        self.ticks: list[NormalizedTick] = []
        self._seen: set[tuple[str, int]] = set()
        self._wanted: set[tuple[str, int]] = set()
        self._arrived = anyio.Event()
        self.ended = False

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        async for tick in self.stream:
            self.ticks.append(tick)
            key = (tick.asset, tick.ts_event)
            self._seen.add(key)
            if self._wanted and key in self._wanted:
                self._wanted.discard(key)
                if not self._wanted:
                    self._arrived.set()
        self.ended = True

    async def wait_for(self, keys: Iterable[tuple[str, int]], timeout_s: float) -> None:
        self._wanted = {k for k in keys if k not in self._seen}
        if not self._wanted:
            return
        self._arrived = anyio.Event()
        with anyio.fail_after(timeout_s):
            await self._arrived.wait()

    def by_asset(self, asset: str) -> list[NormalizedTick]:
        return [t for t in self.ticks if t.asset == asset]


@asynccontextmanager
async def collecting(stream: TickStream, *, start: bool = True) -> AsyncIterator[tuple[Collector, anyio.abc.TaskGroup]]:
    collector = Collector(stream)
    async with anyio.create_task_group() as tg:
        if start:
            await tg.start(collector.run)
        yield collector, tg
        tg.cancel_scope.cancel()


async def fence(harness: FeedHarness, collector: Collector, finals: Iterable[VenueUpdate]) -> dict[str, int]:
    """Publish the final update of each asset from the far side and wait until each arrives.

    Everything published before a final update for the same asset has then been delivered or conflated.
    Returns the `ts_event` each final update got.
    """
    stamps: dict[str, int] = {}
    for update in finals:
        stamps[update.asset] = await harness.publish(update)
    await collector.wait_for(stamps.items(), harness.capabilities.fence_timeout_s)
    return stamps
