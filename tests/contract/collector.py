"""A consumer task that drains a stream and lets tests await specific ticks (the fence), never sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import anyio
import anyio.abc

from tests.contract.harness import FeedHarness, VenueUpdate, order_key, update_kind
from violet.domain import NormalizedTick, TickKind
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


def fence_updates(harness: FeedHarness, finals: Iterable[VenueUpdate]) -> list[VenueUpdate]:
    """Each final update, and where kinds travel on separate connections, one more of each other kind of the
    same asset, so that every connection carrying that asset is fenced."""
    out: list[VenueUpdate] = []
    for update in finals:
        out.append(update)
        if harness.capabilities.order_across_kinds:
            continue
        kind = update_kind(update)
        price = update.bid if update.bid is not None else update.last
        assert price is not None
        for other in sorted(harness.capabilities.kinds - {kind}, key=lambda k: k.value):
            if other is TickKind.QUOTE:
                out.append(VenueUpdate(asset=update.asset, bid=price, ask=price))
            elif other is TickKind.TRADE:
                out.append(VenueUpdate(asset=update.asset, last=price))
    return out


async def fence(harness: FeedHarness, collector: Collector, finals: Iterable[VenueUpdate]) -> dict[int, VenueUpdate]:
    """Publish the final update of each asset (see `fence_updates`) from the far side and wait until each arrives.

    Everything published before a final update for the same asset (and kind, where order is kept per kind) has
    then been delivered or conflated. Returns what the fence published, by the `ts_event` each update got.
    """
    stamps: dict[int, VenueUpdate] = {}
    for update in fence_updates(harness, finals):
        stamps[await harness.publish(update)] = update
    await collector.wait_for(((u.asset, ts) for ts, u in stamps.items()), harness.capabilities.fence_timeout_s)
    return stamps


def newest_by_key(harness: FeedHarness, stamps: dict[int, VenueUpdate]) -> dict[tuple[str, TickKind | None], int]:
    """The newest fence stamp per order key (see `order_key`)."""
    out: dict[tuple[str, TickKind | None], int] = {}
    for ts, update in stamps.items():
        key = order_key(harness.capabilities, update.asset, update_kind(update))
        out[key] = max(ts, out.get(key, ts))
    return out
