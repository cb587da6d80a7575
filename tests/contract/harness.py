"""The harness interface every adapter's contract run implements.

A harness owns a running adapter and its real far side (a publisher, a venue simulator, a feed process,
a Hazelcast member) and pushes venue events from that far side. It starts once per module and is reused
across Hypothesis examples; examples are told apart by the unique `ts_event` each publication gets.
"""

from __future__ import annotations

import enum
from typing import Protocol

import attrs

from tests.support.waiting import eventually
from violet.domain import FeedState, ManualClock, TickKind
from violet.ports import VenuePriceFeedPort
from violet.sim.engine.faults import Fault


class Defect(enum.Enum):
    CROSSED = "crossed"
    ZERO = "zero"
    NEGATIVE = "negative"
    NON_NUMERIC = "non-numeric"
    NAN = "nan"
    ONE_SIDED = "one-sided"


BAD_QUOTES: dict[Defect, tuple[str, str | None]] = {
    Defect.CROSSED: ("101.5", "101.4"),
    Defect.ZERO: ("0.00", "1.00"),
    Defect.NEGATIVE: ("-5.00", "1.00"),
    Defect.NON_NUMERIC: ("abc", "1.00"),
    Defect.NAN: ("NaN", "1.00"),
    Defect.ONE_SIDED: ("1.00", None),
}
"""(bid, ask) a venue harness sends for each defect (ask None: the field is absent)."""


@attrs.frozen(kw_only=True)
class Capabilities:
    lossless_when_drained: bool
    """A consumer that keeps reading sees no conflation (in-process hand-off, no bridge in between)."""
    invalid_seen_by_violet: frozenset[Defect]
    """Defects that reach violet's own validation and are counted; a library in between may drop others."""
    can_disconnect: bool
    kinds: frozenset[TickKind]
    """Which kinds of update the venue can push."""
    ts_resolution_ns: int
    """Resolution of the venue's event times (1 ms for Binance and BingX)."""
    order_across_kinds: bool = True
    """Ticks of one asset arrive in publication order whatever their kind. False where the venue sends the kinds
    on separate connections (NautilusTrader >= 1.222: bookTicker on the public route's socket, aggTrade on the
    market route's): order then holds per asset and kind, and a fence covers every kind."""
    fence_timeout_s: float = 5.0
    outage_cost_s: float = 0.0
    """How long one disconnect/reconnect cycle takes over this wire (sizes the stateful runs)."""


@attrs.frozen(kw_only=True)
class VenueUpdate:
    """A valid update as the venue would send it (prices as the venue's strings)."""

    asset: str
    bid: str | None = None
    ask: str | None = None
    last: str | None = None


class FeedHarness(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def assets(self) -> tuple[str, ...]: ...

    @property
    def feed(self) -> VenuePriceFeedPort: ...

    @property
    def clock(self) -> ManualClock: ...

    def price_decimals(self, asset: str) -> int: ...

    async def publish(self, update: VenueUpdate) -> int:
        """Push `update` from the far side; returns the `ts_event` (ns) it was given."""
        ...

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        """Push an invalid update from the far side; returns its `ts_event` (ns)."""
        ...

    async def disconnect(self) -> None:
        """Break the connection at the far side; returns once the feed reports it is down."""
        ...

    async def reconnect(self) -> None:
        """Let the far side accept the adapter again; returns once the feed is live."""
        ...


def update_kind(update: VenueUpdate) -> TickKind:
    if update.last is None:
        return TickKind.QUOTE
    return TickKind.TRADE if update.bid is None else TickKind.QUOTE_AND_TRADE


def order_key(capabilities: Capabilities, asset: str, kind: TickKind) -> tuple[str, TickKind | None]:
    """What publication order is kept per: the asset, or the asset and kind (see `order_across_kinds`)."""
    return (asset, None if capabilities.order_across_kinds else kind)


class WireSimulator(Protocol):
    accepting: bool

    async def apply_fault(self, fault: Fault, conn_id: int | None = None) -> int: ...


class SimulatorOutages:
    """`disconnect`/`reconnect` of a harness over a wire simulator: the venue closes every socket (1001) and refuses
    new ones until it accepts again. The harness supplies `sim`, `feed` and `ready()`."""

    sim: WireSimulator
    feed: VenuePriceFeedPort

    async def ready(self) -> None:
        raise NotImplementedError

    async def disconnect(self) -> None:
        self.sim.accepting = False
        await self.sim.apply_fault(Fault.parse("close:1001"))
        await eventually(lambda: self.feed.state is not FeedState.LIVE, "feed down", 30.0)

    async def reconnect(self) -> None:
        self.sim.accepting = True
        await self.ready()
