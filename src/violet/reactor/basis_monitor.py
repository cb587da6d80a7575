"""Watches the alpha and venue planes side by side: basis, freshness, rates and reaction latency.

It is the example reactor: every tick is turned into a decision (here: the new basis) and the time
from the tick's arrival in violet (`mono_ns`) to that decision is recorded.
"""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal

import anyio
import attrs
from hdrh.histogram import HdrHistogram

from violet.domain import Clock, FeedCounters, FeedState, NormalizedTick, TickKind
from violet.ports import PlaneHealth, SilentStreams, VenuePriceFeedPort
from violet.reactor.lead_lag import LeadLag, LeadLagEstimator


@attrs.frozen(kw_only=True)
class PlaneRow:
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    quote_age_ms: float | None
    quote_fresh: bool
    trade_age_ms: float | None
    trade_fresh: bool
    ticks: int
    quote_verdict: str = "fresh"
    """The quote's `Freshness` value (`fresh`, `too-old`, `feed-down`, `delisted`, ...)."""


@attrs.frozen(kw_only=True)
class Basis:
    """A basis as decided: computed only from two quotes fresh by their own age at that moment."""

    bps: float
    computed_mono_ns: int
    alpha_quote_age_ms: float
    venue_quote_age_ms: float


@attrs.frozen(kw_only=True)
class AssetRow:
    asset: str
    alpha: PlaneRow
    venue: PlaneRow
    basis_bps: float | None
    """The basis, shown only while both quotes it came from are still within their budgets (else None)."""
    basis: Basis | None
    """When it was decided and both quotes' ages then (None when none is shown)."""
    lead_lag: LeadLag


@attrs.frozen(kw_only=True)
class PlaneStatus:
    name: str
    state: FeedState
    counters: FeedCounters
    ticks_per_s: float
    delivery_p50_ms: float
    """Venue event time to this reactor, wall clock (includes the hosts' clock offset)."""
    delivery_p99_ms: float
    silent_streams: tuple[str, ...] = ()
    assets_down: tuple[str, ...] = ()
    """Assets whose connection is down now (the plane DEGRADED while some are)."""


@attrs.frozen(kw_only=True)
class MonitorSnapshot:
    rows: tuple[AssetRow, ...]
    planes: tuple[PlaneStatus, ...]
    decisions: int
    reaction_p50_us: float
    reaction_p99_us: float
    taken_mono_ns: int
    """When the snapshot was taken, on the clock `Basis.computed_mono_ns` is on."""


NO_ESTIMATE = LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=0)
ESTIMATE_EVERY_NS = 5_000_000_000
ESTIMATES_PER_SNAPSHOT = 64


class BasisMonitor:
    def __init__(self, alpha: VenuePriceFeedPort, venue: VenuePriceFeedPort, *, clock: Clock) -> None:
        self._alpha = alpha
        self._venue = venue
        self._clock = clock
        self._counts: dict[str, Counter[str]] = {"alpha": Counter(), "venue": Counter()}
        self._reaction = HdrHistogram(1, 60_000_000_000, 3)
        self._decisions = 0
        self._basis: dict[str, Basis] = {}
        self._quotes: dict[tuple[str, str], NormalizedTick] = {}
        self._trades: dict[tuple[str, str], NormalizedTick] = {}
        self._lead_lag: dict[str, LeadLagEstimator] = {}
        self._estimates: dict[str, tuple[int, LeadLag]] = {}
        """Each asset's last lead/lag estimate and when it was made (`snapshot` refreshes the oldest first)."""
        self._delivery = {p: HdrHistogram(1, 3_600_000_000_000, 3) for p in ("alpha", "venue")}
        self._started = time.monotonic()

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
                self._delivery[plane].record_value(max(1, time.time_ns() - tick.ts_event))
                self._decide(plane, tick)

    def _decide(self, plane: str, tick: NormalizedTick) -> None:
        """The reaction path: every tick becomes a decision (the basis, or none when a plane is stale)."""
        asset = tick.asset
        if tick.bid is not None:
            self._quotes[(plane, asset)] = tick
            estimator = self._lead_lag.get(asset)
            if estimator is None:  # not `setdefault`: that would build an estimator on every tick
                estimator = self._lead_lag[asset] = LeadLagEstimator()
            estimator.on_tick(plane, tick)
        if tick.last is not None:
            self._trades[(plane, asset)] = tick
        alpha_q = self._quotes.get(("alpha", asset))
        venue_q = self._quotes.get(("venue", asset))
        # Exit prices come only from quotes fresh by their own age: a trade arriving now says nothing of the quote.
        alpha_r = self._alpha.latest(asset, kind=TickKind.QUOTE)
        venue_r = self._venue.latest(asset, kind=TickKind.QUOTE)
        alpha_mid = None if alpha_q is None else alpha_q.mid
        venue_mid = None if venue_q is None else venue_q.mid
        if (
            alpha_r.fresh
            and venue_r.fresh
            and alpha_mid
            and venue_mid
            and alpha_r.age_ns is not None
            and venue_r.age_ns is not None
        ):
            self._basis[asset] = Basis(
                bps=float((venue_mid - alpha_mid) / alpha_mid) * 10_000,
                computed_mono_ns=self._clock.monotonic_ns(),
                alpha_quote_age_ms=alpha_r.age_ns / 1e6,
                venue_quote_age_ms=venue_r.age_ns / 1e6,
            )
        else:
            self._basis.pop(asset, None)
        self._decisions += 1
        self._reaction.record_value(max(1, self._clock.monotonic_ns() - tick.mono_ns))

    def _row(self, plane: str, feed: VenuePriceFeedPort, asset: str) -> PlaneRow:
        quote = feed.latest(asset, kind=TickKind.QUOTE)
        trade = feed.latest(asset, kind=TickKind.TRADE)
        q = self._quotes.get((plane, asset))
        t = self._trades.get((plane, asset))
        return PlaneRow(
            bid=q.bid if q else None,
            ask=q.ask if q else None,
            last=t.last if t else None,
            quote_age_ms=None if quote.age_ns is None else quote.age_ns / 1e6,
            quote_fresh=quote.fresh,
            trade_age_ms=None if trade.age_ns is None else trade.age_ns / 1e6,
            trade_fresh=trade.fresh,
            ticks=self._counts[plane][asset],
            quote_verdict=quote.freshness.value,
        )

    def _shown_basis(self, asset: str, alpha: PlaneRow, venue: PlaneRow) -> Basis | None:
        """The decided basis, unless a quote it came from has aged past its budget since."""
        basis = self._basis.get(asset)
        return basis if basis is not None and alpha.quote_fresh and venue.quote_fresh else None

    def _asset_row(self, asset: str) -> AssetRow:
        alpha = self._row("alpha", self._alpha, asset)
        venue = self._row("venue", self._venue, asset)
        basis = self._shown_basis(asset, alpha, venue)
        return AssetRow(
            asset=asset,
            alpha=alpha,
            venue=venue,
            basis_bps=None if basis is None else basis.bps,
            basis=basis,
            lead_lag=self._estimates[asset][1] if asset in self._estimates else NO_ESTIMATE,
        )

    def _refresh_estimates(self, assets: list[str]) -> None:
        """Re-estimate the lead/lag of the assets whose estimate is oldest (or missing), at most
        `ESTIMATES_PER_SNAPSHOT` of them and only those older than `ESTIMATE_EVERY_NS`: an estimate over a 20 s
        window barely moves in a second, and estimating every asset at every refresh cost 0.2-0.4 s of CPU a refresh
        at 600 assets (`violet bench reactor`)."""
        now = self._clock.monotonic_ns()
        due = [
            a
            for a in assets
            if a in self._lead_lag and now - self._estimates.get(a, (-ESTIMATE_EVERY_NS, None))[0] >= ESTIMATE_EVERY_NS
        ]
        due.sort(key=lambda a: self._estimates[a][0] if a in self._estimates else -1)
        for asset in due[:ESTIMATES_PER_SNAPSHOT]:
            self._estimates[asset] = (now, self._lead_lag[asset].estimate())

    def snapshot(self) -> MonitorSnapshot:
        assets = self.assets()
        self._refresh_estimates(assets)
        rows = tuple(self._asset_row(a) for a in assets)
        elapsed = max(1e-9, time.monotonic() - self._started)
        # One pass over each histogram for both percentiles (the pure-Python walk is ~3 ms a pass); empty: 0.
        delivery = {n: self._delivery[n].get_percentile_to_value_dict([50, 99]) for n in self._delivery}
        reaction = self._reaction.get_percentile_to_value_dict([50, 99])
        planes = tuple(
            PlaneStatus(
                name=n,
                state=f.state,
                counters=f.counters(),
                ticks_per_s=sum(self._counts[n].values()) / elapsed,
                delivery_p50_ms=delivery[n].get(50, 0) / 1e6,
                delivery_p99_ms=delivery[n].get(99, 0) / 1e6,
                silent_streams=tuple(f.silent_streams()) if isinstance(f, SilentStreams) else (),
                assets_down=tuple(f.assets_down()) if isinstance(f, PlaneHealth) else (),
            )
            for n, f in (("alpha", self._alpha), ("venue", self._venue))
        )
        return MonitorSnapshot(
            rows=rows,
            planes=planes,
            decisions=self._decisions,
            reaction_p50_us=reaction.get(50, 0) / 1e3,
            reaction_p99_us=reaction.get(99, 0) / 1e3,
            taken_mono_ns=self._clock.monotonic_ns(),
        )
