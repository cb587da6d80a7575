"""What Prometheus reads from the planes when it scrapes: counters, states, ages and verdicts, silent streams, the
bridge's own latency. Nothing here runs per tick; a scrape runs on the event loop that owns the planes, so it reads
their state without locks (the server lives on that loop for this reason)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import attrs
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from violet.domain import FeedState, TickKind, UnknownAsset
from violet.metrics.instruments import hdr_exposition
from violet.ports import BridgeLatency, PlaneHealth, RejectionReasons, SilentStreams, VenuePriceFeedPort

LABELS = ("plane", "adapter")
PER_ASSET_AUTO_MAX = 100
"""Per-asset series are exported for a plane of at most this many assets unless asked for (or off) explicitly."""


@attrs.frozen(kw_only=True)
class MonitoredPlane:
    name: str
    """`alpha` or `venue`."""
    adapter: str
    """The adapter kind serving it (`nt_binance`, `remote_shm`, ...)."""
    feed: VenuePriceFeedPort


@attrs.frozen(kw_only=True)
class BridgeOutput:
    """A bridge this process publishes into (`violet feed`): how many ticks it wrote and refused."""

    plane: str
    bridge: str
    published: Callable[[], int]
    rejected: Callable[[], int]
    failed: Callable[[], int] = lambda: 0


class PlaneCollector(Collector):
    def __init__(
        self,
        planes: Sequence[MonitoredPlane],
        outputs: Sequence[BridgeOutput] = (),
        restarts: Mapping[str, int] | None = None,
        per_asset: bool | None = None,
    ) -> None:
        """`per_asset`: export each asset's age, verdict and budget (two planes of a thousand assets: ten thousand
        series); None: for a plane of at most `PER_ASSET_AUTO_MAX` assets. The counts by verdict are always there."""
        self._planes = tuple(planes)
        self._outputs = tuple(outputs)
        self._restarts = restarts if restarts is not None else {}
        self._per_asset = per_asset

    def describe(self) -> Iterable[Metric]:
        # Without this, registering would run a whole collection to learn the names.
        return ()

    def collect(self) -> Iterator[Metric]:
        yield from self._counters()
        yield from self._states()
        yield from self._ages()
        yield from self._bridge_latency()
        yield from self._outputs_published()
        restarts = CounterMetricFamily(
            "violet_child_restarts",
            "Times a child this process supervises (a simulator, a feed shard) died and was started again.",
            labels=("child",),
        )
        for child, n in sorted(self._restarts.items()):
            restarts.add_metric([child], n)
        yield restarts

    def _counters(self) -> Iterator[Metric]:
        families = {
            name: CounterMetricFamily(f"violet_ticks_{name}", doc, labels=LABELS)
            for name, doc in (
                ("received", "Valid ticks accepted from the venue or bridge."),
                ("delivered", "Ticks handed to subscribers (summed over subscriptions)."),
                ("conflated", "Ticks replaced by a newer one of the same asset and kind before a reader got them."),
                ("dropped", "Ticks lost for any other reason (stays 0)."),
            )
        }
        rejected = CounterMetricFamily(
            "violet_ticks_rejected", "Frames or values refused, by reason.", labels=(*LABELS, "reason")
        )
        reconnects = CounterMetricFamily(
            "violet_reconnects", "Times the whole plane went down (every connection at once).", labels=LABELS
        )
        carrier_outages = CounterMetricFamily(
            "violet_carrier_outages",
            "Outages of one connection (a socket, a route, a feed shard); its assets only were down.",
            labels=LABELS,
        )
        silent_found = CounterMetricFamily(
            "violet_silent_streams_found", "Streams found silent (once per episode).", labels=LABELS
        )
        for p in self._planes:
            labels = [p.name, p.adapter]
            c = p.feed.counters()
            for name, family in families.items():
                family.add_metric(labels, getattr(c, name))
            by_reason = p.feed.rejected_by_reason() if isinstance(p.feed, RejectionReasons) else {}
            for reason, n in sorted(by_reason.items()):
                rejected.add_metric([*labels, reason], n)
            unexplained = c.rejected - sum(by_reason.values())
            if unexplained > 0 or not by_reason:
                rejected.add_metric([*labels, "unspecified"], max(0, unexplained))
            reconnects.add_metric(labels, c.reconnects)
            carrier_outages.add_metric(labels, c.carrier_outages)
            silent_found.add_metric(labels, c.silent_streams)
        yield from families.values()
        yield from (rejected, reconnects, carrier_outages, silent_found)

    def _states(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "violet_feed_state", "1 for the plane's current state, 0 for the others.", labels=(*LABELS, "state")
        )
        silent_now = GaugeMetricFamily("violet_silent_streams", "Streams silent now.", labels=LABELS)
        assets_down = GaugeMetricFamily(
            "violet_assets_down",
            "Assets whose connection is down now (their readings FEED_DOWN; the plane DEGRADED while some are).",
            labels=LABELS,
        )
        carriers_down = GaugeMetricFamily(
            "violet_carriers_down", "Connections (sockets, routes, feed shards) down now.", labels=LABELS
        )
        for p in self._planes:
            current = p.feed.state
            for s in FeedState:
                state.add_metric([p.name, p.adapter, s.value], 1.0 if s is current else 0.0)
            silent = p.feed.silent_streams() if isinstance(p.feed, SilentStreams) else []
            silent_now.add_metric([p.name, p.adapter], len(silent))
            assets_down.add_metric([p.name, p.adapter], p.feed.counters().assets_down)
            carriers = p.feed.carriers() if isinstance(p.feed, PlaneHealth) else {}
            carriers_down.add_metric([p.name, p.adapter], sum(not up for up in carriers.values()))
        yield state
        yield silent_now
        yield assets_down
        yield carriers_down

    def _ages(self) -> Iterator[Metric]:
        labels = ("plane", "asset")
        ages = {
            kind: GaugeMetricFamily(
                f"violet_{word}_age_seconds",
                f"Age of the asset's newest {word} (absent before the first one).",
                labels=labels,
            )
            for kind, word in ((TickKind.QUOTE, "quote"), (TickKind.TRADE, "trade"))
        }
        fresh = {
            kind: GaugeMetricFamily(
                f"violet_{word}_fresh",
                f"1 when the asset's newest {word} may be acted upon (within its budget, feed live, no outage or "
                "silence since), else 0.",
                labels=labels,
            )
            for kind, word in ((TickKind.QUOTE, "quote"), (TickKind.TRADE, "trade"))
        }
        budget = GaugeMetricFamily(
            "violet_staleness_budget_seconds", "The budget the asset's freshness is judged against.", labels=labels
        )
        by_verdict = GaugeMetricFamily(
            "violet_assets_by_verdict",
            "Assets whose newest quote (or trade) reads each verdict now: the per-plane view at any universe size.",
            labels=(*LABELS, "kind", "verdict"),
        )
        for p in self._planes:
            assets = sorted(p.feed.assets())
            per_asset = self._per_asset if self._per_asset is not None else len(assets) <= PER_ASSET_AUTO_MAX
            counts: Counter[tuple[str, str]] = Counter()
            for asset in assets:
                try:
                    readings = {kind: p.feed.latest(asset, kind=kind) for kind in (TickKind.QUOTE, TickKind.TRADE)}
                except UnknownAsset:  # the venue delisted it since: nothing to report
                    continue
                for kind, reading in readings.items():
                    counts[kind.value, reading.freshness.value] += 1
                    if not per_asset:
                        continue
                    if reading.age_ns is not None:
                        ages[kind].add_metric([p.name, asset], reading.age_ns / 1e9)
                    fresh[kind].add_metric([p.name, asset], 1.0 if reading.fresh else 0.0)
                if per_asset:
                    budget.add_metric([p.name, asset], readings[TickKind.QUOTE].budget_ns / 1e9)
            for (kind_name, verdict), n in sorted(counts.items()):
                by_verdict.add_metric([p.name, p.adapter, kind_name, verdict], n)
        yield from ages.values()
        yield from fresh.values()
        yield budget
        yield by_verdict

    def _bridge_latency(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(
            "violet_bridge_latency_seconds",
            "A remote plane's own share: the feed process publishing a tick to this process reading it.",
            labels=LABELS,
        )
        for p in self._planes:
            if isinstance(p.feed, BridgeLatency):
                buckets, total_s = hdr_exposition(p.feed.bridge_latency_ns)
                family.add_metric([p.name, p.adapter], buckets, total_s)
        yield family

    def _outputs_published(self) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "violet_bridge_published", "Ticks this feed process wrote into a bridge.", labels=("plane", "bridge")
        )
        refused = CounterMetricFamily(
            "violet_bridge_refused",
            "Ticks a bridge could not carry (no slot, too long, client error).",
            labels=("plane", "bridge"),
        )
        failed = CounterMetricFamily(
            "violet_bridge_failed",
            "Writes the bridge took but could not deliver (Hazelcast: a member down); sent again with the next value.",
            labels=("plane", "bridge"),
        )
        for out in self._outputs:
            published.add_metric([out.plane, out.bridge], out.published())
            refused.add_metric([out.plane, out.bridge], out.rejected())
            failed.add_metric([out.plane, out.bridge], out.failed())
        yield published
        yield refused
        yield failed
