"""Watches the alpha and venue planes side by side: basis, freshness, rates and reaction latency.

It is the example reactor: every tick is turned into a decision (here: the new basis) and the time
from the tick's arrival in violet (`mono_ns`) to that decision is recorded.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import anyio
import attrs
from hdrh.histogram import HdrHistogram

from violet.domain import Clock, FeedCounters, FeedState, NormalizedTick
from violet.ports import VenuePriceFeedPort


@attrs.frozen(kw_only=True)
class PlaneRow:
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    age_ms: float | None
    fresh: bool
    ticks: int


@attrs.frozen(kw_only=True)
class AssetRow:
    asset: str
    alpha: PlaneRow
    venue: PlaneRow
    basis_bps: float | None


@attrs.frozen(kw_only=True)
class PlaneStatus:
    name: str
    state: FeedState
    counters: FeedCounters


@attrs.frozen(kw_only=True)
class MonitorSnapshot:
    rows: tuple[AssetRow, ...]
    planes: tuple[PlaneStatus, ...]
    decisions: int
    reaction_p50_us: float
    reaction_p99_us: float


class BasisMonitor:
    def __init__(self, alpha: VenuePriceFeedPort, venue: VenuePriceFeedPort, *, clock: Clock) -> None:
        self._alpha = alpha
        self._venue = venue
        self._clock = clock
        self._counts: dict[str, Counter[str]] = {"alpha": Counter(), "venue": Counter()}
        self._reaction = HdrHistogram(1, 60_000_000_000, 3)
        self._decisions = 0
        self._basis: dict[str, float] = {}

    def assets(self) -> list[str]:
        return sorted(self._alpha.assets() & self._venue.assets())

    async def run(self) -> None:
        assets = self.assets()
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._consume, "alpha", self._alpha, assets)
            tg.start_soon(self._consume, "venue", self._venue, assets)

    async def _consume(self, plane: str, feed: VenuePriceFeedPort, assets: list[str]) -> None:
        async with feed.subscribe(assets) as stream:
            async for tick in stream:
                self._counts[plane][tick.asset] += 1
                self._decide(tick)

    def _decide(self, tick: NormalizedTick) -> None:
        alpha = self._alpha.latest(tick.asset)
        venue = self._venue.latest(tick.asset)
        if alpha.fresh and venue.fresh and alpha.tick and venue.tick:
            a, v = alpha.tick.mid, venue.tick.mid
            if a is not None and v is not None:
                self._basis[tick.asset] = float((v - a) / a) * 10_000
        else:
            self._basis.pop(tick.asset, None)
        self._decisions += 1
        self._reaction.record_value(max(1, self._clock.monotonic_ns() - tick.mono_ns))

    def _row(self, plane: str, feed: VenuePriceFeedPort, asset: str) -> PlaneRow:
        reading = feed.latest(asset)
        t = reading.tick
        return PlaneRow(
            bid=t.bid if t else None,
            ask=t.ask if t else None,
            last=t.last if t else None,
            age_ms=None if reading.age_ns is None else reading.age_ns / 1e6,
            fresh=reading.fresh,
            ticks=self._counts[plane][asset],
        )

    def snapshot(self) -> MonitorSnapshot:
        rows = tuple(
            AssetRow(
                asset=a,
                alpha=self._row("alpha", self._alpha, a),
                venue=self._row("venue", self._venue, a),
                basis_bps=self._basis.get(a),
            )
            for a in self.assets()
        )
        planes = tuple(
            PlaneStatus(name=n, state=f.state, counters=f.counters())
            for n, f in (("alpha", self._alpha), ("venue", self._venue))
        )
        return MonitorSnapshot(
            rows=rows,
            planes=planes,
            decisions=self._decisions,
            reaction_p50_us=self._reaction.get_value_at_percentile(50) / 1e3,
            reaction_p99_us=self._reaction.get_value_at_percentile(99) / 1e3,
        )
