"""The normalized tick every adapter produces and every consumer reads.

Representation choices (see README "Prices"):
- prices are `decimal.Decimal` built from the venue's own string, so `format(p, "f")` gives that string back;
- a tick is one venue update: a quote (bid and ask, `last` None), a trade (`last`, no bid/ask), or both when
  the venue pushes them together. Nothing is carried forward from older updates, so no field is older than
  `ts_event` says.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

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


def _identifier(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value or not value.isprintable() or any(c.isspace() for c in value):
        raise InvalidIdentifier(attribute.name, value)


def _price(instance: Any, attribute: attrs.Attribute[Decimal | None], value: Decimal | None) -> None:
    if value is None:
        return
    if type(value) is not Decimal or not value.is_finite() or value <= 0:
        raise InvalidPrice(attribute.name, value)


def _timestamp(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise InvalidTimestamp(attribute.name, value)


@attrs.frozen(slots=True, kw_only=True)
class NormalizedTick:
    venue: str = attrs.field(validator=_identifier)
    asset: str = attrs.field(validator=_identifier)
    bid: Decimal | None = attrs.field(default=None, validator=_price)
    ask: Decimal | None = attrs.field(default=None, validator=_price)
    last: Decimal | None = attrs.field(default=None, validator=_price)
    ts_event: int = attrs.field(validator=_timestamp)
    """Venue event time, integer nanoseconds since the Unix epoch."""
    mono_ns: int = attrs.field(validator=_timestamp)
    """`time.monotonic_ns()` (or the injected clock) when violet received the frame."""

    def __attrs_post_init__(self) -> None:
        bid, ask = self.bid, self.ask
        if (bid is None) != (ask is None):
            raise IncompleteQuote(self.asset)
        if bid is None and self.last is None:
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
