"""The port reactor code reads prices through. Domain types and builtins only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from violet.domain import FeedCounters, FeedState, NormalizedTick, PriceReading, TickKind


@runtime_checkable
class TickStream(Protocol):
    """Ticks for a fixed set of assets, in venue order per asset.

    Slow readers are conflated per asset and kind (the newest tick replaces an unread older one, and
    `conflated` counts it); the buffer never grows beyond one pending tick per asset and kind.
    Iteration ends when the stream is closed or the feed closes.
    """

    @property
    def assets(self) -> frozenset[str]: ...

    def conflated_by_asset(self) -> Mapping[str, int]: ...

    def __aiter__(self) -> AsyncIterator[NormalizedTick]: ...

    async def __anext__(self) -> NormalizedTick: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class VenuePriceFeedPort(Protocol):
    """A source of normalized ticks for one venue plane.

    Lifecycle: `async with feed:` connects and subscribes upstream and returns once every asset's subscription is
    confirmed upstream (ticks may come later), or raises `FeedNotReady` naming the assets still unconfirmed after
    the feed's ready timeout; leaving it closes every stream. Nothing connects at construction. A tick older than,
    or an exact repeat of, the newest of its asset and kind is never delivered (counted `out-of-order`/`duplicate`).
    """

    @property
    def venue(self) -> str: ...

    @property
    def state(self) -> FeedState: ...

    @property
    def staleness_budget_ns(self) -> int:
        """The default budget `latest()` judges freshness against."""
        ...

    def assets(self) -> frozenset[str]:
        """Canonical ids of the assets this feed can serve (e.g. `BTCUSDT-PERP`)."""
        ...

    def counters(self) -> FeedCounters: ...

    def subscribe(self, assets: Iterable[str]) -> AbstractAsyncContextManager[TickStream]:
        """A stream of ticks for `assets`; raises `UnknownAsset` for an asset the feed does not serve."""
        ...

    def latest(self, asset: str, *, budget_ns: int | None = None, kind: TickKind | None = None) -> PriceReading:
        """The newest tick for `asset`, its age and a verdict; never fresh when older than the budget (the asset's
        own budget where one is configured, else the feed's), received before an outage, or while the feed is not
        live.

        `kind=TickKind.QUOTE`: the newest tick carrying a quote; `kind=TickKind.TRADE`: the newest carrying a
        trade; None: the newest of either. Each ages on its own: a trade never makes a quote fresh, nor a quote a
        trade. Exit prices must ask for the quote.

        The rule for change-only sources (a bookTicker pushed on change, a quiet book): a quote ages from its last
        frame, whatever the reason for the silence; a source that proves its book current without a change (the
        BingX `book` quote source re-emits the top with every incremental update) keeps it fresh while those
        updates flow. A quiet name therefore needs a larger budget (`[<plane>.budget_ms]`), not a softer rule:
        silence is never taken for freshness."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
