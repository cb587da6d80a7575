"""The normalized tick every adapter produces and every consumer reads.

Representation choices (see docs/reactor.md, "Why Decimal"):
- prices are `decimal.Decimal` built from the venue's own string, so `format(p, "f")` gives that string back;
- a tick is one venue update: a quote (bid and ask, `last` None), a trade (`last`, no bid/ask), or both when
  the venue pushes them together. Nothing is carried forward from older updates, so no field is older than
  `ts_event` says.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from violet.domain.errors import (
    CrossedQuote,
    EmptyTick,
    IncompleteQuote,
    InvalidIdentifier,
    InvalidPrice,
    InvalidTimestamp,
)


class TickKind(enum.Enum):
    QUOTE = "quote"
    TRADE = "trade"
    QUOTE_AND_TRADE = "quote+trade"

    # Members are singletons compared by identity, so identity's hash (in C) is as correct as `Enum.__hash__` (in
    # Python, hashing the name): a tick's path hashes (asset, kind) ~10 times, 7 % of the BingX path's time.
    __hash__ = object.__hash__


_KNOWN_IDENTIFIERS: set[str] = set()
"""Venue and asset names already checked: a feed repeats a few dozen of them millions of times."""
_KNOWN_LIMIT = 4096


def _check_identifier(field: str, value: object) -> None:
    if type(value) is str and value in _KNOWN_IDENTIFIERS:
        return
    # str.isprintable() is False for every whitespace character except the ASCII space.
    if not isinstance(value, str) or not value or not value.isprintable() or " " in value:
        raise InvalidIdentifier(field, value)
    if type(value) is str and len(_KNOWN_IDENTIFIERS) < _KNOWN_LIMIT:
        _KNOWN_IDENTIFIERS.add(value)


def _check_price(field: str, value: object) -> None:
    if type(value) is not Decimal or not value.is_finite() or value <= 0:
        raise InvalidPrice(field, value)


@attrs.frozen(slots=True, kw_only=True)
class NormalizedTick:
    """Validated as a whole in `__attrs_post_init__` (one pass, not one validator call per field: this is built
    for every venue update, and the pass costs less than half of seven validator calls)."""

    venue: str
    asset: str
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    ts_event: int
    """Venue event time, integer nanoseconds since the Unix epoch."""
    mono_ns: int
    """`time.monotonic_ns()` (or the injected clock) when violet received the frame."""

    def __attrs_post_init__(self) -> None:
        _check_identifier("venue", self.venue)
        _check_identifier("asset", self.asset)
        bid, ask, last = self.bid, self.ask, self.last
        if bid is not None:
            _check_price("bid", bid)
        if ask is not None:
            _check_price("ask", ask)
        if last is not None:
            _check_price("last", last)
        ts, mono = self.ts_event, self.mono_ns
        if type(ts) is not int or ts < 0:
            raise InvalidTimestamp("ts_event", ts)
        if type(mono) is not int or mono < 0:
            raise InvalidTimestamp("mono_ns", mono)
        if (bid is None) != (ask is None):
            raise IncompleteQuote(self.asset)
        if bid is None and last is None:
            raise EmptyTick(self.asset)
        if bid is not None and ask is not None and bid > ask:
            raise CrossedQuote(self.asset, bid, ask)

    @property
    def kind(self) -> TickKind:
        if self.bid is None:
            return TickKind.TRADE
        return TickKind.QUOTE if self.last is None else TickKind.QUOTE_AND_TRADE

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    def restamped(self, mono_ns: int) -> NormalizedTick:
        """The same venue update as received at `mono_ns` (bridges restamp on read)."""
        return attrs.evolve(self, mono_ns=mono_ns)
