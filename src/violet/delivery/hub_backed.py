"""The read side of `VenuePriceFeedPort`, answered by a TickHub. Adapters inherit it and add their lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio
import anyio.abc

from violet.delivery.tick_hub import TickHub
from violet.domain import FeedCounters, FeedState, PriceReading
from violet.ports import TickStream


class HubBackedFeed:
    _hub: TickHub
    _tg: anyio.abc.TaskGroup | None = None

    # -- lifecycle helpers for adapters ------------------------------------------------------------------
    async def _open_with(self, *tasks: Callable[[], Coroutine[Any, Any, object]]) -> None:
        """Open the adapter's own task group (it lives from `__aenter__` to `__aexit__`), start `tasks` in it,
        and open the hub to subscribers."""
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        for task in tasks:
            self._tg.start_soon(task)
        self._hub.open()

    async def _stop_tasks(self) -> None:
        """Cancel the adapter's tasks and wait for them (the hub is closed by the caller, first)."""
        tg, self._tg = self._tg, None
        if tg is not None:
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)

    @property
    def venue(self) -> str:
        return self._hub.venue

    @property
    def state(self) -> FeedState:
        return self._hub.state

    @property
    def staleness_budget_ns(self) -> int:
        return self._hub.staleness_budget_ns

    def assets(self) -> frozenset[str]:
        return self._hub.assets()

    def counters(self) -> FeedCounters:
        return self._hub.snapshot_counters()

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(self._hub.counters.rejected_by_reason)

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        return self._hub.subscription(assets)

    def latest(self, asset: str, *, budget_ns: int | None = None) -> PriceReading:
        return self._hub.latest(asset, budget_ns=budget_ns)
