"""Every error the domain raises, in one place so callers can catch by family.

Errors are attrs classes like the values they guard: fields a caller can read (and match on), a message built only
when one is shown (a feed refusing a flood of bad frames counts them; it does not format each).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs


class DomainError(ValueError):
    """Base of every invariant violation of a domain value."""


@attrs.define
class InvalidValue(DomainError):
    """A field's value is not what the field accepts (`expected`)."""

    expected: ClassVar[str]
    field: str
    value: object

    def __str__(self) -> str:
        return f"{self.field} must be {self.expected}, got {self.value!r}"


class InvalidPrice(InvalidValue):
    expected = "a finite, positive decimal"


@attrs.define
class CrossedQuote(DomainError):
    asset: str
    bid: Decimal
    ask: Decimal

    def __str__(self) -> str:
        return f"crossed quote for {self.asset}: bid {self.bid} > ask {self.ask}"


@attrs.define
class IncompleteQuote(DomainError):
    asset: str

    def __str__(self) -> str:
        return f"quote for {self.asset} must carry both bid and ask, or neither"


@attrs.define
class EmptyTick(DomainError):
    asset: str

    def __str__(self) -> str:
        return f"tick for {self.asset} carries neither a quote nor a trade"


class InvalidTimestamp(InvalidValue):
    expected = "a non-negative integer of nanoseconds"


class InvalidIdentifier(InvalidValue):
    expected = "a non-empty string without whitespace"


@attrs.define
class UnknownAsset(LookupError):
    """An asset the feed does not serve (not configured, or not listed by the venue)."""

    venue: str
    asset: str

    def __str__(self) -> str:
        return f"{self.venue} does not serve asset {self.asset!r}"


@attrs.define
class FeedNotReady(RuntimeError):
    """Entering a feed did not get every asset confirmed upstream within its `ready_timeout_s`."""

    venue: str
    missing: list[str]
    timeout_s: float
    detail: str = ""

    def __str__(self) -> str:
        named = ", ".join(self.missing) if self.missing else "(none named: the connection itself never came up)"
        why = f" ({self.detail})" if self.detail else ""
        return f"feed {self.venue} not ready after {self.timeout_s:g} s; not confirmed: {named}{why}"


@attrs.define
class FeedClosed(RuntimeError):
    """The feed was used outside its `async with` lifetime."""

    venue: str

    def __str__(self) -> str:
        return f"feed {self.venue} is not open (use it inside `async with`)"
