"""Faults a test or the CLI can inject into a simulator connection.

Spec strings (CLI `--fault`, HTTP test API): `close:CODE`, `reset`, `stall`, `resume`, `delay:MS[:N]`,
`malformed[:N]`, `truncated[:N]`, `crossed[:N]`, `zero[:N]`, `negative[:N]`, `nan[:N]`, `duplicate[:N]`,
`out-of-order[:N]`, `burst:N`, plus venue-specific kinds (BingX: `corrupt-gzip`, `text-frame`,
`ping-storm:N`, `stale-push:N`).
"""

from __future__ import annotations

import enum

import attrs


class FaultKind(enum.Enum):
    CLOSE = "close"
    RESET = "reset"
    STALL = "stall"
    RESUME = "resume"
    DELAY = "delay"
    MALFORMED = "malformed"
    TRUNCATED = "truncated"
    CROSSED = "crossed"
    ZERO = "zero"
    NEGATIVE = "negative"
    NAN = "nan"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out-of-order"
    BURST = "burst"
    CORRUPT_GZIP = "corrupt-gzip"
    TEXT_FRAME = "text-frame"
    PING_STORM = "ping-storm"
    STALE_PUSH = "stale-push"


VALUE_FAULTS = frozenset({FaultKind.CROSSED, FaultKind.ZERO, FaultKind.NEGATIVE, FaultKind.NAN})
PRICE_FAULTS = VALUE_FAULTS - {FaultKind.CROSSED}
"""What a trade can carry: it has one price, so it cannot be crossed."""
FRAME_FAULTS = frozenset(
    {
        FaultKind.DELAY,
        FaultKind.MALFORMED,
        FaultKind.TRUNCATED,
        FaultKind.DUPLICATE,
        FaultKind.OUT_OF_ORDER,
        FaultKind.CORRUPT_GZIP,
        FaultKind.TEXT_FRAME,
        FaultKind.STALE_PUSH,
    }
)


class FaultSpecError(ValueError):
    pass


@attrs.frozen(kw_only=True)
class Fault:
    kind: FaultKind
    count: int = 1
    code: int = 1000
    delay_ms: float = 0.0

    @classmethod
    def parse(cls, spec: str) -> Fault:
        name, *args = spec.strip().split(":")
        try:
            kind = FaultKind(name)
        except ValueError:
            raise FaultSpecError(f"unknown fault {name!r}; known: {', '.join(k.value for k in FaultKind)}") from None
        try:
            nums = [float(a) for a in args]
        except ValueError:
            raise FaultSpecError(f"fault {spec!r}: arguments must be numbers") from None
        if kind is FaultKind.CLOSE:
            return cls(kind=kind, code=int(nums[0]) if nums else 1000)
        if kind is FaultKind.DELAY:
            if not nums:
                raise FaultSpecError("delay needs milliseconds: delay:MS[:N]")
            return cls(kind=kind, delay_ms=nums[0], count=int(nums[1]) if len(nums) > 1 else 1)
        count = int(nums[0]) if nums else 1
        if count < 1:
            raise FaultSpecError(f"fault {spec!r}: count must be >= 1")
        return cls(kind=kind, count=count)


class FaultState:
    """Per-connection pending faults, consumed frame by frame by the connection's writer."""

    def __init__(self) -> None:
        self.stalled = False
        self.pending: dict[FaultKind, int] = {}
        self.delay_ms = 0.0
        self.held: str | None = None
        """A frame held back by an out-of-order fault, sent after the next one."""

    def add(self, fault: Fault) -> None:
        if fault.kind is FaultKind.STALL:
            self.stalled = True
        elif fault.kind is FaultKind.RESUME:
            self.stalled = False
        else:
            self.pending[fault.kind] = self.pending.get(fault.kind, 0) + fault.count
            if fault.kind is FaultKind.DELAY:
                self.delay_ms = fault.delay_ms

    def take(self, kind: FaultKind) -> bool:
        left = self.pending.get(kind, 0)
        if left <= 0:
            return False
        if left == 1:
            del self.pending[kind]
        else:
            self.pending[kind] = left - 1
        return True

    def take_value_fault(self, *, quote: bool) -> FaultKind | None:
        """The next value fault this event can carry. A trade leaves a pending crossed fault for the next quote:
        consuming it would count a fault the venue never sent."""
        if not self.pending:
            return None
        for kind in VALUE_FAULTS if quote else PRICE_FAULTS:
            if self.take(kind):
                return kind
        return None


def corrupt_price(kind: FaultKind, good: str) -> str:
    """An out-of-range spelling of a price, as a broken venue might send it."""
    if kind is FaultKind.ZERO:
        return "0.00"
    if kind is FaultKind.NEGATIVE:
        return "-" + good
    if kind is FaultKind.NAN:
        return "NaN"
    return good
