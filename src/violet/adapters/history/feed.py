"""`VenuePriceFeedPort` over a recording: the `history` adapter.

Each recorded record is validated like any venue input (a catalog is input: a row NautilusTrader accepts, a crossed
or zero quote, is refused and counted here), stamped with the replay clock, and handed to the same hub every live
adapter uses, so `latest()` answers with the verdicts live answered with. Each asset is its own carrier: the
recorded plane health marks exactly the assets that were down. At the end of a finite replay every stream ends once
read to the end (a study reads a recording with `async for`); readings stay on the replay's clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

import anyio
import anyio.abc

from violet import defaults as d
from violet.adapters.history.records import HistoryRecord
from violet.adapters.history.replay import HistoryReplay
from violet.adapters.history.verdict_check import VerdictAgreement
from violet.delivery import HubBackedFeed, TickHub, streams_of
from violet.domain import DomainError, FeedState, NormalizedTick, TickKind
from violet.ports import TickStream


def _carrier(asset: str) -> str:
    return f"recorded {asset}"


class HistoryPriceFeed(HubBackedFeed):
    def __init__(
        self,
        replay: HistoryReplay,
        *,
        venue: str,
        assets: tuple[str, ...],
        staleness_budget_ns: int = d.ms_to_ns(d.VENUE_STALENESS_BUDGET_MS),
        asset_budgets_ns: dict[str, int] | None = None,
        silent_after_ns: dict[str, int] | None = None,
        venue_clock_skew_ns: int | None = None,
    ) -> None:
        """`venue`: as ticks name it (`binance`); the catalog's instruments of that venue are replayed."""
        hub = TickHub(
            venue=venue,
            clock=replay.clock,
            staleness_budget_ns=staleness_budget_ns,
            assets=frozenset(assets),
            asset_budgets_ns=asset_budgets_ns,
            silent_after_ns=silent_after_ns,
            # The venue's-clock half of freshness, on recorded time: the replay's clock reads the wall clock of then.
            venue_clock_skew_ns=venue_clock_skew_ns,
            wall_ns=replay.clock.monotonic_ns,
        )
        super().__init__(hub)
        self._replay = replay
        replay.attach(venue.upper(), self)

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        self._replay.subscribed(self._hub.venue.upper())
        return super().subscribe(assets)

    def unread(self, record: HistoryRecord) -> bool:
        """A subscriber has not read this record's asset and kind yet (replaying it now would conflate)."""
        return self._hub.unread(record.asset, TickKind.QUOTE if record.last is None else TickKind.TRADE)

    def on_record(self, record: HistoryRecord) -> None:
        hub = self._hub
        if record.asset not in hub.assets():
            return  # recorded, but not asked for: like a venue topic nobody subscribed
        try:
            tick = NormalizedTick(
                venue=hub.venue,
                asset=record.asset,
                bid=record.bid,
                ask=record.ask,
                last=record.last,
                ts_event=record.ts_event,
                mono_ns=hub.clock.monotonic_ns(),
            )
        except DomainError as exc:
            hub.reject(type(exc).__name__)
            return
        hub.accept(tick, late_check=False)  # recorded means accepted live: its lateness was judged then

    def on_refused(self, reason: str) -> None:
        self._hub.reject(reason)

    def verdict_agreement(self) -> VerdictAgreement | None:
        """This plane's replay against the verdicts recorded live, once replayed (None where none were recorded)."""
        return self._replay.verdicts().get(self._hub.venue.upper())

    def on_end(self) -> None:
        self._hub.end_streams()

    def on_change(self, state: str, assets_down: tuple[str, ...]) -> None:
        hub = self._hub
        down = set(assets_down)
        for asset in hub.assets():
            if asset in down:
                hub.carrier_down(_carrier(asset))
            else:
                hub.carrier_up(_carrier(asset))
        hub.set_stale(state == FeedState.STALE.value)

    async def _serve(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        for asset in self._hub.assets():
            self._hub.carry(_carrier(asset), streams_of([asset]))
            self._hub.carrier_up(_carrier(asset))
        task_status.started()  # a recording confirms nothing upstream: every asset is there or never will be
