"""The chaos run's judge. It trusts none of violet's own counters or stamps: it knows what the venues sent and when
(the simulators' send logs, by the host's monotonic clock), which faults were active, and what the reactor read
(`latest()` samples, each with the verdict, the tick's venue stamp and prices), and decides from those alone.

1. never stale as fresh: no sample read FRESH whose price the venue had replaced longer ago than the sample's budget;
   nor FRESH with a price and event time the venue never sent on that stream (a price made up on the way: a book
   that lost an update, a restamped tick), once the send logs cover its event time;
2. never withheld: a stream no fault touched, whose venue sent it something within its budget (and at least the
   delivery allowance before the sample), reads FRESH in at least `fresh_required` of such samples;
3. recovery: after a fault heals, each stream it touched that the venue keeps sending is FRESH again within
   `recovery_limit_s`.

Sans-IO and synchronous, so each rule is tested by planting its violation (tests/unit/test_chaos_oracle.py).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

import attrs

S = 1_000_000_000
MS = 1_000_000
Stream = tuple[str, str, str]
"""(plane, asset, kind: "quote" or "trade")"""


@attrs.frozen(slots=True)
class Sent:
    """A frame a venue sent: its stream, event time, prices (`bid/ask` or the trade price) and send time."""

    stream: Stream
    ts_ms: int
    prices: str
    send_ns: int


@attrs.frozen(slots=True)
class Sample:
    """What the reactor read: `latest(asset, kind=...)` at `at_ns` (monotonic)."""

    stream: Stream
    at_ns: int
    fresh: bool
    verdict: str
    budget_ns: int
    ts_ms: int | None = None
    prices: str | None = None


@attrs.frozen(slots=True)
class FaultWindow:
    """A fault from `start_ns` until it healed at `end_ns`, touching `streams` (empty: every stream of `plane`)."""

    kind: str
    plane: str
    start_ns: int
    end_ns: int
    streams: frozenset[Stream] = frozenset()

    def touches(self, stream: Stream) -> bool:
        return stream[0] == self.plane and (not self.streams or stream in self.streams)


@attrs.frozen(slots=True)
class Violation:
    rule: str
    at_ns: int
    stream: Stream
    saw: str
    """What the reactor read."""
    venue: str
    """What the venue had done."""


@attrs.frozen(kw_only=True)
class Verdict:
    stale_served_as_fresh: int
    withheld_fraction: float
    expected_fresh_samples: int
    recovery_s: list[float]
    unmatched_fresh: int
    """FRESH samples whose tick the send logs do not show: judged as never sent once the logs cover its event
    time, else (a tick from before recording began) only reported."""
    never_sent: int = 0
    violations: list[Violation]

    @property
    def passed(self) -> bool:
        return not self.violations


@attrs.frozen(kw_only=True)
class Rules:
    delivery_allowance_ns: int = 250 * MS
    """How long a frame may take from the venue to the reactor before its absence counts as withholding."""
    fresh_required: float = 0.999
    recovery_limit_s: float = 2.0
    log_margin_ms: int = 2_000
    """A tick stamped within this of the first recorded frame may predate the recording (frames in flight)."""
    settle_ns: int = 2 * S
    """After a fault heals, its streams are judged by the recovery rule, not the withholding rule, this long."""


class _StreamLog:
    def __init__(self, sent: list[Sent]) -> None:
        self.sent = sorted(sent, key=lambda r: r.send_ns)
        self.times = [r.send_ns for r in self.sent]
        self.by_key = {(r.ts_ms, r.prices): i for i, r in enumerate(self.sent)}

    def index_of(self, sample: Sample) -> int | None:
        if sample.ts_ms is None or sample.prices is None:
            return None
        return self.by_key.get((sample.ts_ms, sample.prices))

    def replaced_at(self, index: int) -> int | None:
        """When the venue first sent a different price after frame `index`."""
        prices = self.sent[index].prices
        for later in self.sent[index + 1 :]:
            if later.prices != prices:
                return later.send_ns
        return None

    def sent_between(self, start_ns: int, end_ns: int) -> bool:
        i = bisect.bisect_left(self.times, start_ns)
        return i < len(self.times) and self.times[i] <= end_ns


def judge(
    sent: Iterable[Sent], samples: Iterable[Sample], faults: Iterable[FaultWindow], rules: Rules | None = None
) -> Verdict:
    rules = rules or Rules()
    by_stream: dict[Stream, list[Sent]] = defaultdict(list)
    for record in sent:
        by_stream[record.stream].append(record)
    logs = {stream: _StreamLog(records) for stream, records in by_stream.items()}
    faults = sorted(faults, key=lambda f: f.start_ns)
    samples = sorted(samples, key=lambda s: s.at_ns)
    streams = {s.stream for s in samples}
    # The send logs start when recording was turned on: a tick stamped before (plus the venue's clock skew and a
    # margin) may have been sent unrecorded. Per plane, by the venue's own stamps.
    covered_from = {
        plane: min(r.ts_ms for log in logs.values() if log.sent and log.sent[0].stream[0] == plane for r in log.sent)
        + rules.log_margin_ms
        for plane in {stream[0] for stream in logs}
    }
    never_sent = 0
    disturbed = {stream: _Intervals(faults, stream, rules.settle_ns) for stream in streams}
    violations: list[Violation] = []
    stale = unmatched = expected = withheld = 0
    for sample in samples:
        log = logs.get(sample.stream)
        if sample.fresh:
            index = None if log is None else log.index_of(sample)
            if log is None or index is None:
                unmatched += 1
                plane = sample.stream[0]
                if sample.ts_ms is not None and plane in covered_from and sample.ts_ms >= covered_from[plane]:
                    never_sent += 1
                    violations.append(
                        Violation(
                            "never-sent-as-fresh",
                            sample.at_ns,
                            sample.stream,
                            f"FRESH {sample.prices} @ {sample.ts_ms}",
                            "the venue never sent this price at this time on this stream",
                        )
                    )
            else:
                replaced = log.replaced_at(index)
                if replaced is not None and sample.at_ns - replaced > sample.budget_ns:
                    stale += 1
                    violations.append(
                        Violation(
                            "stale-served-as-fresh",
                            sample.at_ns,
                            sample.stream,
                            f"FRESH {sample.prices} @ {sample.ts_ms}",
                            f"replaced {(sample.at_ns - replaced) / MS:.0f} ms before (budget "
                            f"{sample.budget_ns / MS:.0f} ms)",
                        )
                    )
        if log is None or disturbed[sample.stream].covers(sample.at_ns):
            continue
        # Expected fresh: the venue sent it something it could have delivered by now (an allowance before the sample)
        # and that would still be within the budget on arrival (an allowance after the budget's edge): a frame sent
        # just before the edge arrives already too old, and a thin stream's only frame is often there.
        allowance = rules.delivery_allowance_ns
        if not log.sent_between(sample.at_ns - sample.budget_ns + allowance, sample.at_ns - allowance):
            continue  # a quiet stream: nothing recent enough that it ought to be fresh
        expected += 1
        if not sample.fresh:
            withheld += 1
    withheld_fraction = withheld / expected if expected else 0.0
    if expected and 1.0 - withheld_fraction < rules.fresh_required:
        violations.append(
            Violation(
                "withheld",
                samples[-1].at_ns if samples else 0,
                ("*", "*", "*"),
                f"{withheld} of {expected} samples not fresh",
                f"at most {(1 - rules.fresh_required) * 100:.2f}% allowed for streams no fault touched",
            )
        )
    recovery = _recovery(samples, faults, logs, rules, violations)
    return Verdict(
        stale_served_as_fresh=stale,
        withheld_fraction=withheld_fraction,
        expected_fresh_samples=expected,
        recovery_s=recovery,
        unmatched_fresh=unmatched,
        never_sent=never_sent,
        violations=violations,
    )


class _Intervals:
    """When a stream is disturbed: a fault touches it, or healed less than `settle_ns` ago (merged, for bisection)."""

    def __init__(self, faults: list[FaultWindow], stream: Stream, settle_ns: int) -> None:
        merged: list[list[int]] = []
        for fault in faults:  # sorted by start
            if not fault.touches(stream):
                continue
            start, end = fault.start_ns, fault.end_ns + settle_ns
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def covers(self, at_ns: int) -> bool:
        i = bisect.bisect_right(self.starts, at_ns) - 1
        return i >= 0 and at_ns <= self.ends[i]


def _recovery(
    samples: list[Sample],
    faults: list[FaultWindow],
    logs: dict[Stream, _StreamLog],
    rules: Rules,
    violations: list[Violation],
) -> list[float]:
    by_stream: dict[Stream, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_stream[sample.stream].append(sample)
    times_of = {stream: [s.at_ns for s in ss] for stream, ss in by_stream.items()}
    out: list[float] = []
    limit_ns = int(rules.recovery_limit_s * S)
    for fault in faults:
        for stream, stream_samples in by_stream.items():
            log = logs.get(stream)
            if not fault.touches(stream) or log is None:
                continue
            if _still_held(fault, stream, faults):
                continue  # another fault holds the stream past this heal: recovery counts from that one's
            # Judged only where the venue kept the stream going: something sent within the first second after.
            if not log.sent_between(fault.end_ns, fault.end_ns + S):
                continue
            first = bisect.bisect_left(times_of[stream], fault.end_ns)
            after = stream_samples[first:]
            if not after or after[-1].at_ns < fault.end_ns + limit_ns:
                continue  # the run ended before the limit: not judged
            fresh_at = next((s.at_ns for s in after if s.fresh), None)
            took = None if fresh_at is None else fresh_at - fault.end_ns
            if (took is None or took > limit_ns) and _interrupted(fault, stream, faults, fresh_at, limit_ns):
                continue  # another fault hit the stream before it could come back: judged from that one's heal
            if took is None or took > limit_ns:
                violations.append(
                    Violation(
                        "slow-recovery",
                        fault.end_ns,
                        stream,
                        "never fresh again" if took is None else f"fresh {took / S:.2f} s after",
                        f"{fault.kind} healed; the venue kept sending",
                    )
                )
            if took is not None:
                out.append(took / S)
    return out


def _still_held(fault: FaultWindow, stream: Stream, faults: list[FaultWindow]) -> bool:
    """Whether another fault touching `stream` began before `fault` healed and heals after it (overlapping faults,
    e.g. a shard stopped while the bridge's member restarts: the stream can only come back after both)."""
    return any(
        other is not fault and other.touches(stream) and other.start_ns <= fault.end_ns < other.end_ns
        for other in faults
    )


def _interrupted(
    fault: FaultWindow, stream: Stream, faults: list[FaultWindow], fresh_at: int | None, limit_ns: int
) -> bool:
    """Whether another fault touching `stream` began after `fault` healed but before the stream was fresh again (and
    inside the recovery limit): e.g. a channel's silence ends and its shard is stopped half a second later, before
    the channel's next frame; the stream's recovery is then the later fault's to judge."""
    until = fault.end_ns + limit_ns if fresh_at is None else min(fresh_at, fault.end_ns + limit_ns)
    return any(
        other is not fault and other.touches(stream) and fault.end_ns <= other.start_ns < until for other in faults
    )


def venue_repeats(sent: Iterable[Sent]) -> dict[str, list[int]]:
    """Per plane, when a venue sent a frame identical to the one before it on its stream (same event time, same
    prices): a venue's own repeat, which a feed rightly refuses as a duplicate. Sorted send times."""
    last: dict[Stream, tuple[int, str]] = {}
    out: dict[str, list[int]] = defaultdict(list)
    for record in sorted(sent, key=lambda r: r.send_ns):
        key = (record.ts_ms, record.prices)
        if last.get(record.stream) == key:
            out[record.stream[0]].append(record.send_ns)
        last[record.stream] = key
    return dict(out)


def unexplained_rejections(
    rejections: Iterable[tuple[int, str, str, int]],
    faults: Iterable[FaultWindow],
    repeats: dict[str, list[int]],
    *,
    lookback_ns: int = 2 * S,
    after_heal_ns: int = 5 * S,
) -> list[tuple[int, str, str, int]]:
    """Rejections (seen at, plane, reason, count) that no fault window on their plane explains (from a second before
    it began to `after_heal_ns` after it healed) and, for a `duplicate`, no repeat the venue itself sent on that plane
    within `lookback_ns` before it was seen."""
    windows = list(faults)
    out = []
    for at, plane, reason, n in rejections:
        if any(w.plane == plane and w.start_ns - S <= at <= w.end_ns + after_heal_ns for w in windows):
            continue
        if reason == "duplicate":
            times = repeats.get(plane, [])
            i = bisect.bisect_left(times, at - lookback_ns)
            if i < len(times) and times[i] <= at:
                continue
        out.append((at, plane, reason, n))
    return out
