"""The harness interface every adapter's contract run implements.

A harness owns a running adapter and its real far side (a publisher, a venue simulator, a feed process,
a Hazelcast member) and pushes venue events from that far side. It starts once per module and is reused
across Hypothesis examples; examples are told apart by the unique `ts_event` each publication gets.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
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
    fence_cost_s: float = 0.0
    """What one fence costs at the far side beyond the adapter (a catalog file written, then found by a poll): the
    stateful run, which fences at most steps, takes fewer programs where it is high."""
    transit_is_age: bool = False
    """A tick arrives already aged by the real time it spent upstream of the adapter (a feed process and a bridge):
    its age at arrival is small but not 0."""
    carriers: int = 1
    """Connections (sockets, routes, feed shards) the far side serves the feed's assets over; with more than one the
    partial-fault property applies (`break_carrier`, `heal_carriers`)."""


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

    async def break_carrier(self, index: int) -> frozenset[tuple[str, TickKind]]:
        """Take one carrier (`index` modulo how many there are) down at the far side and keep it down; returns the
        (asset, kind) streams it carried, once the feed reports it down."""
        ...

    async def heal_carriers(self) -> None:
        """Let every carrier back; returns once the feed is live."""
        ...


def update_kind(update: VenueUpdate) -> TickKind:
    if update.last is None:
        return TickKind.QUOTE
    return TickKind.TRADE if update.bid is None else TickKind.QUOTE_AND_TRADE


def order_key(capabilities: Capabilities, asset: str, kind: TickKind) -> tuple[str, TickKind | None]:
    """What publication order is kept per: the asset, or the asset and kind (see `order_across_kinds`)."""
    return (asset, None if capabilities.order_across_kinds else kind)


class SimConnection(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def topics(self) -> Iterable[str]: ...


class WireSimulator(Protocol):
    accepting: bool

    @property
    def connections(self) -> Mapping[int, SimConnection]: ...

    async def apply_fault(self, fault: Fault, conn_id: int | None = None) -> int: ...


class OneCarrier:
    """A far side with a single carrier: the partial-fault property does not apply."""

    async def break_carrier(self, index: int) -> frozenset[tuple[str, TickKind]]:
        raise NotImplementedError("one carrier: `disconnect` is the whole plane's outage")

    async def heal_carriers(self) -> None:
        raise NotImplementedError("one carrier")


class SimulatorOutages:
    """`disconnect`/`reconnect` of a harness over a wire simulator: the venue closes every socket (1001) and refuses
    new ones until it accepts again; `break_carrier` closes one socket (1011) and refuses new ones, so that one stays
    down while the others keep their connections. The harness supplies `sim`, `feed`, `ready()` and `stream_of`."""

    sim: WireSimulator
    feed: VenuePriceFeedPort

    async def ready(self) -> None:
        raise NotImplementedError

    def stream_of(self, topic: str) -> tuple[str, TickKind] | None:
        """The (asset, kind) a venue topic carries, None for a topic the feed does not read."""
        raise NotImplementedError

    async def break_carrier(self, index: int) -> frozenset[tuple[str, TickKind]]:
        conns = sorted(self.sim.connections.values(), key=lambda c: c.id)
        conn = conns[index % len(conns)]
        carried = frozenset(s for t in conn.topics if (s := self.stream_of(t)) is not None)
        self.sim.accepting = False
        await self.sim.apply_fault(Fault.parse("close:1011"), conn.id)
        await eventually(lambda: self.feed.state is FeedState.DEGRADED, "the feed degraded", 30.0)
        return carried

    async def heal_carriers(self) -> None:
        self.sim.accepting = True
        await self.ready()

    async def disconnect(self) -> None:
        self.sim.accepting = False
        await self.sim.apply_fault(Fault.parse("close:1001"))
        # Every socket closed: the plane is down once each is seen down (degraded until the last is).
        await eventually(lambda: self.feed.state is FeedState.RECONNECTING, "feed down", 30.0)

    async def reconnect(self) -> None:
        self.sim.accepting = True
        await self.ready()
