"""Per-connection liveness: which carrier (a BingX socket, a NautilusTrader route socket, a feed shard behind a
bridge) delivers each asset's quotes and trades, and which carriers are up.

A stream (asset and kind) is up while at least one carrier that carries it is up, and only then. A stream no
carrier carries is down: a topic the venue refused on a reconnect, a route whose socket has not opened yet. Each
time a stream goes down its generation moves on, so what it delivered before the outage is never fresh again, while
the streams on other carriers keep theirs: venues fail piecemeal, and one socket's drop must not darken the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from violet.domain import FeedState, TickKind

Stream = tuple[str, TickKind]
"""(asset, TickKind.QUOTE or TickKind.TRADE)"""

KINDS = (TickKind.QUOTE, TickKind.TRADE)
QUOTE_ONLY = (TickKind.QUOTE,)
TRADE_ONLY = (TickKind.TRADE,)
KINDS_OF = {TickKind.QUOTE: QUOTE_ONLY, TickKind.TRADE: TRADE_ONLY, TickKind.QUOTE_AND_TRADE: KINDS}
"""The streams a tick of each kind feeds."""


def streams_of(assets: Iterable[str], kinds: Iterable[TickKind] = KINDS) -> frozenset[Stream]:
    kinds = tuple(kinds)
    return frozenset((asset, kind) for asset in assets for kind in kinds)


class CarrierBoard:
    def __init__(self) -> None:
        self._carries: dict[str, frozenset[Stream]] = {}
        self._up: set[str] = set()
        self._ever_up: set[str] = set()
        self._up_count: Counter[Stream] = Counter()
        self._generation: dict[Stream, int] = {}
        self.outages = 0
        """Carriers that went down after being up, each counted once per outage."""

    @property
    def active(self) -> bool:
        """Whether the adapter reports carriers at all (an adapter that does not is judged by its plane state)."""
        return bool(self._carries)

    def carry(
        self, carrier: str, streams: Iterable[Stream], *, added: bool = False
    ) -> tuple[list[Stream], list[Stream]]:
        """Declare (or change) what `carrier` delivers; a new carrier is down until `up`. Returns the streams that
        came up, and those that went down, because an up carrier now carries them or no longer does. `added`: a
        carrier added to a plane already serving (a new listing's socket): down until `up` like one that dropped,
        never a plane connecting again."""
        new = frozenset(streams)
        old = self._carries.get(carrier, frozenset())
        self._carries[carrier] = new
        if added:
            self._ever_up.add(carrier)
        if carrier not in self._up:
            return [], []
        return self._gain(new - old), self._lose(old - new)

    def up(self, carrier: str) -> list[Stream]:
        """`carrier` delivers again; returns the streams that came up with it."""
        if carrier in self._up:
            return []
        self._up.add(carrier)
        self._ever_up.add(carrier)
        return self._gain(self._carries.get(carrier, frozenset()))

    def down(self, carrier: str) -> list[Stream]:
        """`carrier` stopped delivering; returns the streams that went down with it (their generation moved on)."""
        if carrier not in self._up:
            return []
        self._up.discard(carrier)
        self.outages += 1
        return self._lose(self._carries.get(carrier, frozenset()))

    def forget(self, carrier: str) -> list[Stream]:
        """`carrier` is gone for good (its client disposed of it): its streams go down unless another carries them,
        and the plane's state no longer waits for it."""
        lost = self._lose(self._carries.pop(carrier, frozenset())) if carrier in self._up else []
        self._carries.pop(carrier, None)
        self._up.discard(carrier)
        self._ever_up.discard(carrier)
        return lost

    def _gain(self, streams: Iterable[Stream]) -> list[Stream]:
        came_up = []
        for stream in streams:
            self._up_count[stream] += 1
            if self._up_count[stream] == 1:
                came_up.append(stream)
        return came_up

    def _lose(self, streams: Iterable[Stream]) -> list[Stream]:
        went_down = []
        for stream in streams:
            self._up_count[stream] -= 1
            if self._up_count[stream] <= 0:
                del self._up_count[stream]
                self._generation[stream] = self._generation.get(stream, 0) + 1
                went_down.append(stream)
        return went_down

    def carrier_is_up(self, carrier: str) -> bool:
        return carrier in self._up

    def is_up(self, stream: Stream) -> bool:
        return stream in self._up_count

    def generation(self, stream: Stream) -> int:
        return self._generation.get(stream, 0)

    def plane_state(self) -> FeedState:
        """CONNECTING until every carrier has been up once; then LIVE (all up), RECONNECTING (none up) or DEGRADED
        (the hub also calls a plane DEGRADED whose carriers are all up while a stream of its assets has none)."""
        if len(self._ever_up) < len(self._carries):
            return FeedState.CONNECTING
        if len(self._up) == len(self._carries):
            return FeedState.LIVE
        return FeedState.RECONNECTING if not self._up else FeedState.DEGRADED

    def assets_down(self, assets: Iterable[str]) -> list[str]:
        """Of `assets`, those with a quote or trade stream no up carrier delivers."""
        up = self._up_count
        return sorted(a for a in assets if (a, TickKind.QUOTE) not in up or (a, TickKind.TRADE) not in up)

    def carriers(self) -> dict[str, bool]:
        """Every carrier and whether it is up."""
        return {name: name in self._up for name in sorted(self._carries)}
