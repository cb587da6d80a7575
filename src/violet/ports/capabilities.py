"""What some adapters can tell besides the port, as small protocols: ask with `isinstance(feed, Capability)`, never
by reading an adapter's attributes past the port. Reactor code needs none of them to be correct."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from violet.domain import NormalizedTick


@runtime_checkable
class RejectionReasons(Protocol):
    def rejected_by_reason(self) -> dict[str, int]:
        """Refused venue data by reason (`CrossedQuote`, `late-event`, `duplicate`, `stalled-socket`, ...)."""
        ...


@runtime_checkable
class AssetCoverage(Protocol):
    @property
    def missing_assets(self) -> list[str]:
        """Configured assets the venue does not list (never served; `UnknownAsset` at subscribe)."""
        ...

    def unconfirmed_assets(self) -> list[str]:
        """Served assets whose subscription the venue has not confirmed (yet, or since the last reconnect)."""
        ...


class RecordedValue(Protocol):
    @property
    def value_iterated_to(self) -> int: ...

    @property
    def count_at_value_iterated_to(self) -> int: ...


class LatencyHistogram(Protocol):
    def reset(self) -> None: ...

    def record_value(self, value: int) -> bool: ...

    def get_recorded_iterator(self) -> Iterable[RecordedValue]:
        """Each distinct recorded value (nanoseconds, to the histogram's precision) with its count."""
        ...

    def get_mean_value(self) -> float: ...

    def get_value_at_percentile(self, percentile: float) -> int: ...

    def get_total_count(self) -> int: ...


@runtime_checkable
class BridgeLatency(Protocol):
    @property
    def bridge_latency_ns(self) -> LatencyHistogram:
        """Writer's publish -> this reader's read, per tick (a remote plane's own share of the latency)."""
        ...


@runtime_checkable
class TickTap(Protocol):
    def tap(self, on_tick: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        """While open, `on_tick` is called with every accepted tick, synchronously and before any conflation, on
        the task that received it: how a bridge writer sees (and counts) every update, and how a latency-bound
        reactor decides per tick with no task to wake (docs/reactor.md). It must not block and should not raise (a
        raise is counted in `tap_errors`, logged once per callback, and delivery goes on). Every adapter has it."""
        ...


@runtime_checkable
class DeliveryTap(Protocol):
    def tap_delivery(self, on_delivery: Callable[[NormalizedTick], None]) -> AbstractContextManager[None]:
        """While open, `on_delivery` is called with each tick as a subscriber reads it (once per subscriber), on the
        reader's task: how metrics time receive -> delivery. It must not block and must not raise."""
        ...


@runtime_checkable
class SilentStreams(Protocol):
    def silent_streams(self) -> list[str]:
        """Streams found silent now (subscribed, delivering nothing while the venue's other streams flow), in the
        venue's own stream names where the adapter knows them (`btcusdt@aggTrade`, `BTC-USDT@trade`)."""
        ...


@runtime_checkable
class PlaneHealth(Protocol):
    def assets_down(self) -> list[str]:
        """Assets whose connection (carrier: a socket, a route, a feed shard) is down now; empty while `LIVE`. Their
        readings are `FEED_DOWN`; every other asset is judged on its own (`DEGRADED` is a working plane)."""
        ...

    def carriers(self) -> dict[str, bool]:
        """Each connection the plane reads through (`socket 3`, `public #1`, `feed shard 0`) and whether it is up."""
        ...


@runtime_checkable
class Delisting(Protocol):
    def set_delisted(self, assets: Iterable[str]) -> None:
        """The served assets the venue lists no more (the whole set each time): each reads `Freshness.DELISTED`
        and no longer degrades the plane. Called by a `[universe]` rule re-resolved while running."""
        ...

    def delisted_assets(self) -> frozenset[str]: ...


@runtime_checkable
class AssetAdding(Protocol):
    async def add_assets(self, assets: Iterable[str]) -> list[str]:
        """New listings served while running, on connections of their own (the plane's others untouched); returns
        the assets added (those the venue lists). Called by a `[universe]` rule re-resolved while running."""
        ...
