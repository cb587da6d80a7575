"""Every error the domain raises, in one place so callers can catch by family.

Errors are attrs classes like the values they guard: fields a caller can read (and match on), a message built only
when one is shown (a feed refusing a flood of bad frames counts them; it does not format each).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs


class VioletError(Exception):
    """The family of every error violet raises on purpose (config, readiness, domain values, bridges, venues,
    supervision): `except VioletError` catches violet's own refusals and nothing else. Each also keeps the builtin base
    that says what kind of failure it is (`ValueError`, `RuntimeError`, `LookupError`, `OSError`)."""


class Explained(Exception):
    """An attrs error whose message is its class's `template` filled from its attributes (`str.format` syntax)."""

    template: ClassVar[str]

    def __str__(self) -> str:
        return self.template.format_map(_Attributes(self))


class _Attributes(dict[str, object]):
    def __init__(self, owner: object) -> None:
        super().__init__()
        self.owner = owner

    def __missing__(self, name: str) -> object:
        return getattr(self.owner, name)


class DomainError(VioletError, ValueError):
    """Base of every invariant violation of a domain value."""


@attrs.define
class InvalidValue(Explained, DomainError):
    """A field's value is not what the field accepts (`expected`)."""

    template = "{field} must be {expected}, got {value!r}"
    expected: ClassVar[str]
    field: str
    value: object


class InvalidPrice(InvalidValue):
    expected = "a finite, positive decimal"


class InvalidTimestamp(InvalidValue):
    expected = "a non-negative integer of nanoseconds"


class InvalidIdentifier(InvalidValue):
    expected = "a non-empty string without whitespace"


@attrs.define
class CrossedQuote(Explained, DomainError):
    template = "crossed quote for {asset}: bid {bid} > ask {ask}"
    asset: str
    bid: Decimal
    ask: Decimal


@attrs.define
class IncompleteQuote(Explained, DomainError):
    template = "quote for {asset} must carry both bid and ask, or neither"
    asset: str


@attrs.define
class EmptyTick(Explained, DomainError):
    template = "tick for {asset} carries neither a quote nor a trade"
    asset: str


@attrs.define
class UnknownAsset(Explained, VioletError, LookupError):
    """An asset the feed does not serve (not configured, or not listed by the venue)."""

    template = "{venue} does not serve asset {asset!r}"
    venue: str
    asset: str


@attrs.define
class FeedNotReady(VioletError, RuntimeError):
    """Entering a feed did not get every asset confirmed upstream within its `ready_timeout_s`."""

    venue: str
    missing: list[str]
    timeout_s: float
    detail: str = ""
    refused: list[str] = attrs.field(factory=list)
    """Subscriptions the venue refused (`<topic>: <code> <reason>`): not an answer, so the feed is not ready at
    once, however long the timeout."""

    def __str__(self) -> str:
        named = ", ".join(self.missing) if self.missing else "(none named: the connection itself never came up)"
        why = f" ({self.detail})" if self.detail else ""
        if self.refused:
            return f"feed {self.venue} not ready: the venue refused {'; '.join(self.refused)}; not served: {named}{why}"
        return f"feed {self.venue} not ready after {self.timeout_s:g} s; not confirmed: {named}{why}"


@attrs.define
class FeedClosed(Explained, VioletError, RuntimeError):
    """The feed was used outside its `async with` lifetime."""

    template = "feed {venue} is not open (use it inside `async with`)"
    venue: str
