"""What `violet feed` needs of a bridge's publishing side (shared memory or Hazelcast), and what it writes."""

from __future__ import annotations

import time
from typing import Protocol

import attrs

from violet.domain import NormalizedTick, format_price


@attrs.frozen(slots=True, kw_only=True)
class BridgeUpdate:
    """One tick as a bridge carries it: prices as the venue's decimal strings, times as integers."""

    asset: str
    kind: str
    venue: str
    bid: str | None = None
    ask: str | None = None
    last: str | None = None
    ts_event: int
    source_mono_ns: int
    conflated_before: int = 0
    """Older updates of the asset conflated on the way here; readers count them as conflated too."""

    @classmethod
    def of(cls, tick: NormalizedTick, *, conflated_before: int = 0) -> BridgeUpdate:
        return cls(
            asset=tick.asset,
            kind=tick.kind.value,
            venue=tick.venue,
            bid=None if tick.bid is None else format_price(tick.bid),
            ask=None if tick.ask is None else format_price(tick.ask),
            last=None if tick.last is None else format_price(tick.last),
            ts_event=tick.ts_event,
            source_mono_ns=tick.mono_ns,
            conflated_before=conflated_before,
        )

    @classmethod
    def quote_now(cls, asset: str, bid: str, ask: str, *, venue: str = "binance") -> BridgeUpdate:
        """A quote stamped now (event time at millisecond precision, as venues send it): for benches and tests
        that play the feed's part."""
        return cls(
            asset=asset,
            kind="quote",
            venue=venue,
            bid=bid,
            ask=ask,
            ts_event=time.time_ns() // 1_000_000 * 1_000_000,
            source_mono_ns=time.monotonic_ns(),
        )


class BridgeWriter(Protocol):
    name: str
    published: int

    def write(self, update: BridgeUpdate) -> bool: ...

    def heartbeat(self) -> None: ...

    def wake(self) -> None: ...

    def close(self) -> None: ...
