"""The read side of `VenuePriceFeedPort`, answered by a TickHub. Adapters inherit it and add their lifecycle."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Self

import anyio
import anyio.abc

from violet import defaults as d
from violet.delivery.tick_hub import TickHub
from violet.domain import FeedCounters, FeedNotReady, FeedState, NormalizedTick, PriceReading, TickKind
from violet.lifecycle import StackLifetime
from violet.ports import TickStream


class HubBackedFeed(StackLifetime):
    """The port's read side from a TickHub, and the lifecycle every adapter shares.

    `async with feed:` prepares (`_prepare`: REST loads, building a client), starts `_serve` in a task group it
    owns and waits for its readiness handshake (`task_status.started()` once every asset is confirmed upstream) for
    at most `ready_timeout_s`, raising `FeedNotReady` with the assets still unconfirmed (`_unready_assets`).
    Leaving closes the hub, runs `_teardown` (while the tasks still run: e.g. stop NautilusTrader's node), cancels
    the tasks, waits for them, then runs `_release` (close what the tasks were using).
    """

    def __init__(self, hub: TickHub, *, ready_timeout_s: float = d.READY_TIMEOUT_S) -> None:
        self._hub = hub
        self._ready_timeout_s = ready_timeout_s

    # -- what adapters implement ------------------------------------------------------------------------
    async def _prepare(self) -> None:
        return

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        raise NotImplementedError

    def _unready_assets(self) -> list[str]:
        return sorted(self._hub.assets())

    def _not_ready_detail(self) -> str:
        """What the adapter knows of why it is not ready (connect attempts, unanswered subscriptions), for the
        error a caller reads once, after the fact."""
        return ""

    async def _teardown(self) -> None:
        return

    async def _release(self) -> None:
        return

    # -- the lifecycle -----------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self._open(self._start)
        return self

    async def _start(self, stack: contextlib.AsyncExitStack) -> Exception | None:
        stack.push_async_callback(self._release)
        try:
            await self._prepare()
            tg = await stack.enter_async_context(anyio.create_task_group())
            stack.push_async_callback(self._stop, tg)
            self._hub.open()
            tg.start_soon(self._watch_silence)
            with anyio.move_on_after(self._ready_timeout_s) as waiting:
                await tg.start(self._serve)
        except Exception as exc:  # raised by `_open` once the tasks are stopped, not from inside their group
            return exc
        if waiting.cancelled_caught:
            return FeedNotReady(self.venue, self._unready_assets(), self._ready_timeout_s, self._not_ready_detail())
        return None

    async def _watch_silence(self) -> None:
        period_s = min(1.0, min(self._hub.silence.silent_after_ns.values(), default=4_000_000_000) / 4e9)
        while True:
            await anyio.sleep(period_s)
            self._hub.check_silence()

    def silent_streams(self) -> list[str]:
        """Streams found silent now (asset and kind, in the venue's words where the adapter names them)."""
        return self._hub.silent_streams()

    async def _stop(self, tg: anyio.abc.TaskGroup) -> None:
        self._hub.close()
        await self._teardown()
        tg.cancel_scope.cancel()

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

    def assets_down(self) -> list[str]:
        return self._hub.assets_down()

    def carriers(self) -> dict[str, bool]:
        return self._hub.carriers.carriers()

    def set_delisted(self, assets: Iterable[str]) -> None:
        self._hub.set_delisted(assets)

    def delisted_assets(self) -> frozenset[str]:
        return self._hub.delisted

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(self._hub.counters.rejected_by_reason)

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        return self._hub.subscription(assets)

    def tap(self, on_tick: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        return self._hub.tap(on_tick)

    def tap_delivery(self, on_delivery: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        return self._hub.tap_delivery(on_delivery)

    def latest(self, asset: str, *, budget_ns: int | None = None, kind: TickKind | None = None) -> PriceReading:
        return self._hub.latest(asset, budget_ns=budget_ns, kind=kind)
