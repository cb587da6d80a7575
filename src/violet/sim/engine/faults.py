"""Faults a test or the CLI can inject into a simulator connection.

Spec strings (CLI `--fault`, HTTP test API): `close:CODE`, `reset`, `stall`, `resume`, `delay:MS[:N]`,
`malformed[:N]`, `truncated[:N]`, `crossed[:N]`, `zero[:N]`, `negative[:N]`, `nan[:N]`, `duplicate[:N]`,
`out-of-order[:N]`, `burst:N`, `silence:CHANNEL:MS` (that channel's frames are not sent for MS milliseconds while
the others go on), `cascade:FACTOR:SECONDS` (the market's rate times FACTOR for SECONDS, a liquidation cascade),
`skew:MS:SECONDS` (the venue's clock MS milliseconds ahead, or behind if negative, for SECONDS), plus venue-specific
kinds (Binance: `exchange-info:451` / `exchange-info:200`, a region block of the REST exchangeInfo and its end; BingX:
`corrupt-gzip`, `text-frame`, `ping-storm:N`, `stale-push:N`, `contracts-need-timestamp`, `pause:SYMBOL:SECONDS`, a
contract paused (status 25) for SECONDS: its topics refused with 80015 when asked for, those already served go on).
"""

from __future__ import annotations

import enum
import time

import attrs

from violet.domain.errors import VioletError


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
    SILENCE = "silence"
    CASCADE = "cascade"
    EXCHANGE_INFO = "exchange-info"
    CONTRACTS_NEED_TIMESTAMP = "contracts-need-timestamp"
    SKEW = "skew"
    PAUSE = "pause"
    DELIST = "delist"
    LIST = "list"


VENUE_FAULTS = frozenset(
    {
        FaultKind.CASCADE,
        FaultKind.EXCHANGE_INFO,
        FaultKind.CONTRACTS_NEED_TIMESTAMP,
        FaultKind.SKEW,
        FaultKind.PAUSE,
        FaultKind.DELIST,
        FaultKind.LIST,
    }
)
"""Faults of the whole simulator (its market or its REST side), not of a connection."""


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


class FaultSpecError(VioletError, ValueError):
    pass


@attrs.frozen(kw_only=True)
class Fault:
    kind: FaultKind
    count: int = 1
    code: int = 1000
    delay_ms: float = 0.0
    channel: str = ""
    """silence: the channel (the part of a topic after the symbol, e.g. `bookTicker`, `aggTrade`, `incrDepth`);
    pause: the venue's symbol; delist, list: the base asset (`BTC`: `BTCUSDT` on Binance, `BTC-USDT` on BingX)."""
    factor: float = 1.0
    """cascade: the rate multiplier; `delay_ms` holds its duration."""

    @classmethod
    def parse(cls, spec: str) -> Fault:
        name, *args = spec.strip().split(":")
        try:
            kind = FaultKind(name)
        except ValueError:
            raise FaultSpecError(f"unknown fault {name!r}; known: {', '.join(k.value for k in FaultKind)}") from None
        if kind in (FaultKind.DELIST, FaultKind.LIST):
            if len(args) != 1 or not args[0]:
                raise FaultSpecError(f"{name} needs the base asset: {name}:BASE")
            return cls(kind=kind, channel=args[0])
        if kind in (FaultKind.SILENCE, FaultKind.PAUSE):
            if len(args) != 2 or not args[0]:
                raise FaultSpecError(f"{name} needs a name and a number: {name}:NAME:N")
            channel, args = args[0], args[1:]
        else:
            channel = ""
        try:
            nums = [float(a) for a in args]
        except ValueError:
            raise FaultSpecError(f"fault {spec!r}: arguments must be numbers") from None
        if kind is FaultKind.CLOSE:
            return cls(kind=kind, code=int(nums[0]) if nums else 1000)
        if kind is FaultKind.EXCHANGE_INFO:
            if len(nums) != 1 or int(nums[0]) not in (200, 403, 418, 451):
                raise FaultSpecError(
                    "exchange-info takes the HTTP status to answer: exchange-info:451 (or :200 to end)"
                )
            return cls(kind=kind, code=int(nums[0]))
        if kind is FaultKind.SILENCE:
            if nums[0] <= 0:
                raise FaultSpecError("silence needs milliseconds > 0")
            return cls(kind=kind, channel=channel, delay_ms=nums[0])
        if kind is FaultKind.PAUSE:
            if nums[0] <= 0:
                raise FaultSpecError("pause needs seconds > 0: pause:SYMBOL:SECONDS")
            return cls(kind=kind, channel=channel, delay_ms=nums[0] * 1000)
        if kind is FaultKind.SKEW:
            if len(nums) != 2 or nums[1] <= 0:
                raise FaultSpecError("skew needs milliseconds and seconds: skew:MS:SECONDS")
            return cls(kind=kind, code=int(nums[0]), delay_ms=nums[1] * 1000)
        if kind is FaultKind.CASCADE:
            if len(nums) != 2 or nums[0] <= 0 or nums[1] <= 0:
                raise FaultSpecError("cascade needs a factor and seconds: cascade:FACTOR:SECONDS")
            return cls(kind=kind, factor=nums[0], delay_ms=nums[1] * 1000)
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
        self.silenced: dict[str, float] = {}
        """Channel -> monotonic time its silence ends."""

    def add(self, fault: Fault) -> None:
        if fault.kind is FaultKind.SILENCE:
            self.silenced[fault.channel] = time.monotonic() + fault.delay_ms / 1000
        elif fault.kind is FaultKind.STALL:
            self.stalled = True
        elif fault.kind is FaultKind.RESUME:
            self.stalled = False
        else:
            self.pending[fault.kind] = self.pending.get(fault.kind, 0) + fault.count
            if fault.kind is FaultKind.DELAY:
                self.delay_ms = fault.delay_ms

    def is_silenced(self, topic: str) -> bool:
        """Whether `topic`'s channel is under a silence fault now (an expired silence is forgotten)."""
        channel = topic.partition("@")[2]
        for silenced, until in list(self.silenced.items()):
            if channel == silenced or channel.startswith(silenced + "@"):
                if time.monotonic() < until:
                    return True
                del self.silenced[silenced]
        return False

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
