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


def _validate(
    venue: str,
    asset: str,
    bid: Decimal | None,
    ask: Decimal | None,
    last: Decimal | None,
    ts_event: int,
    mono_ns: int,
) -> None:
    """Every invariant of a tick, checked in one pass before it exists (the annotations are what callers promise;
    the checks are for when they break it)."""
    if type(venue) is not str or venue not in _KNOWN_IDENTIFIERS:
        _check_identifier("venue", venue)
    if type(asset) is not str or asset not in _KNOWN_IDENTIFIERS:
        _check_identifier("asset", asset)
    if bid is not None:
        _check_price("bid", bid)
    if ask is not None:
        _check_price("ask", ask)
    if last is not None:
        _check_price("last", last)
    if type(ts_event) is not int or ts_event < 0:
        raise InvalidTimestamp("ts_event", ts_event)
    if type(mono_ns) is not int or mono_ns < 0:
        raise InvalidTimestamp("mono_ns", mono_ns)
    if (bid is None) != (ask is None):
        raise IncompleteQuote(asset)
    if bid is None and last is None:
        raise EmptyTick(asset)
    if bid is not None and ask is not None and bid > ask:
        raise CrossedQuote(asset, bid, ask)


@attrs.frozen(slots=True, kw_only=True, init=False)
class NormalizedTick:
    """One venue update, validated before it exists: a tick that was built is a valid tick.

    attrs makes it frozen, slotted, compared and hashed by value; the constructor is written here rather than
    generated because one is built for every venue update: attrs' generated `__init__` sets each field through
    `object.__setattr__` and then validates in `__attrs_post_init__` (2.1 us a tick); checking first and filling
    the slots through their descriptors costs 1.5 us, and the named constructors `quote` and `trade` (no keyword
    dispatch through `type.__call__`) 1.1 us (`violet bench bingx-path`, docs/benchmarks.md)."""

    venue: str
    asset: str
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    ts_event: int
    """Venue event time, integer nanoseconds since the Unix epoch."""
    mono_ns: int
    """`time.monotonic_ns()` (or the injected clock) when violet received the frame."""

    def __init__(
        self,
        *,
        venue: str,
        asset: str,
        bid: Decimal | None = None,
        ask: Decimal | None = None,
        last: Decimal | None = None,
        ts_event: int,
        mono_ns: int,
    ) -> None:
        _validate(venue, asset, bid, ask, last, ts_event, mono_ns)
        _fill(self, venue, asset, bid, ask, last, ts_event, mono_ns)

    @classmethod
    def quote(
        cls, venue: str, asset: str, bid: Decimal, ask: Decimal, *, ts_event: int, mono_ns: int
    ) -> NormalizedTick:
        """A quote (bid and ask, no trade): the same checks as the constructor, for the hot paths."""
        _validate(venue, asset, bid, ask, None, ts_event, mono_ns)
        tick: NormalizedTick = _new(cls)
        _fill(tick, venue, asset, bid, ask, None, ts_event, mono_ns)
        return tick

    @classmethod
    def trade(cls, venue: str, asset: str, last: Decimal, *, ts_event: int, mono_ns: int) -> NormalizedTick:
        """A trade (`last`, no bid or ask): the same checks as the constructor, for the hot paths."""
        _validate(venue, asset, None, None, last, ts_event, mono_ns)
        tick: NormalizedTick = _new(cls)
        _fill(tick, venue, asset, None, None, last, ts_event, mono_ns)
        return tick

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
        if type(mono_ns) is not int or mono_ns < 0:
            raise InvalidTimestamp("mono_ns", mono_ns)
        tick: NormalizedTick = _new(type(self))
        _fill(tick, self.venue, self.asset, self.bid, self.ask, self.last, self.ts_event, mono_ns)
        return tick


_new = object.__new__
_SLOTS = tuple(NormalizedTick.__dict__[a.name].__set__ for a in attrs.fields(NormalizedTick))
(_set_venue, _set_asset, _set_bid, _set_ask, _set_last, _set_ts_event, _set_mono_ns) = _SLOTS


def _fill(
    tick: NormalizedTick,
    venue: str,
    asset: str,
    bid: Decimal | None,
    ask: Decimal | None,
    last: Decimal | None,
    ts_event: int,
    mono_ns: int,
) -> None:
    """Frozen means nobody sets a field after construction; the slots' own descriptors are how it is built."""
    _set_venue(tick, venue)
    _set_asset(tick, asset)
    _set_bid(tick, bid)
    _set_ask(tick, ask)
    _set_last(tick, last)
    _set_ts_event(tick, ts_event)
    _set_mono_ns(tick, mono_ns)
