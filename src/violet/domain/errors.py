"""Every error the domain raises, in one place so callers can catch by family."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar


class DomainError(ValueError):
    """Base of every invariant violation of a domain value."""


class InvalidValue(DomainError):
    """A field's value is not what the field accepts (`expected`)."""

    expected: ClassVar[str]

    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"{field} must be {self.expected}, got {value!r}")
        self.field = field
        self.value = value


class InvalidPrice(InvalidValue):
    expected = "a finite, positive decimal"


class CrossedQuote(DomainError):
    def __init__(self, asset: str, bid: Decimal, ask: Decimal) -> None:
        super().__init__(f"crossed quote for {asset}: bid {bid} > ask {ask}")
        self.asset = asset
        self.bid = bid
        self.ask = ask


class IncompleteQuote(DomainError):
    def __init__(self, asset: str) -> None:
        super().__init__(f"quote for {asset} must carry both bid and ask, or neither")
        self.asset = asset


class EmptyTick(DomainError):
    def __init__(self, asset: str) -> None:
        super().__init__(f"tick for {asset} carries neither a quote nor a trade")
        self.asset = asset


class InvalidTimestamp(InvalidValue):
    expected = "a non-negative integer of nanoseconds"


class InvalidIdentifier(InvalidValue):
    expected = "a non-empty string without whitespace"


class UnknownAsset(LookupError):
    """An asset the feed does not serve (not configured, or not listed by the venue)."""

    def __init__(self, venue: str, asset: str) -> None:
        super().__init__(f"{venue} does not serve asset {asset!r}")
        self.venue = venue
        self.asset = asset


class FeedNotReady(RuntimeError):
    """Entering a feed did not get every asset confirmed upstream within its `ready_timeout_s`."""

    def __init__(self, venue: str, missing: list[str], timeout_s: float, detail: str = "") -> None:
        named = ", ".join(missing) if missing else "(none named: the connection itself never came up)"
        why = f" ({detail})" if detail else ""
        super().__init__(f"feed {venue} not ready after {timeout_s:g} s; not confirmed: {named}{why}")
        self.venue = venue
        self.detail = detail
        self.missing = missing
        self.timeout_s = timeout_s


class FeedClosed(RuntimeError):
    """The feed was used outside its `async with` lifetime."""

    def __init__(self, venue: str) -> None:
        super().__init__(f"feed {venue} is not open (use it inside `async with`)")
        self.venue = venue
