"""A replay checked against what the live planes answered (`violet/verdicts.jsonl`, when it was recorded).

At each recorded sample the replay's clock stands where live stood, and the replayed plane is asked the same
`latest()` questions. A difference is explained, and counted apart, only where the recording cannot know better:
- the replay has no tick yet (live had one from before the recording started);
- the replay's newest tick was received within `IN_FLIGHT_NS` before the moment (received and stamped live, but not
  yet handed to the hub when the sample was read);
- a plane change within the plane log's sampling period of the moment (the log is sampled every 50 ms);
- a silent stream on either side (silence is looked for a few times a second on the wall clock, live and replayed);
- an age within `EDGE_NS` of the budget (live's `latest()` read its clock a little after the sample was stamped).
Anything else is a difference the replay must not have.
"""

from __future__ import annotations

import bisect
from typing import Any, Protocol

import attrs

from violet.domain import Freshness, PriceReading, TickKind
from violet.recording.plane_log import POLL_S
from violet.recording.verdict_log import VerdictSample

IN_FLIGHT_NS = 100_000_000
EDGE_NS = 1_000_000
CHANGE_SLACK_NS = int(2 * POLL_S * 1e9)
EXAMPLES = 20


class Answers(Protocol):
    def latest(self, asset: str, *, budget_ns: int | None = None, kind: TickKind | None = None) -> PriceReading: ...


@attrs.define
class VerdictAgreement:
    """Per plane: readings compared (two per sample: either kind, and the quote), and how each came out."""

    checked: int = 0
    agreed: int = 0
    before_first_tick: int = 0
    in_flight: int = 0
    near_plane_change: int = 0
    at_budget_edge: int = 0
    silence_timing: int = 0
    differ: int = 0
    examples: list[dict[str, Any]] = attrs.field(factory=list)
    """The first differences, for a reader to look at."""

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class VerdictCheck:
    def __init__(self, change_times_ns: list[int]) -> None:
        """`change_times_ns`: when the plane log recorded a change of this plane (sorted)."""
        self.result = VerdictAgreement()
        self._changes = change_times_ns

    def check(self, sample: VerdictSample, plane: Answers, now_ns: int) -> None:
        for recorded, kind in ((sample.freshness, None), (sample.quote_freshness, TickKind.QUOTE)):
            reading = plane.latest(sample.asset, kind=kind)
            self._judge(sample, kind, recorded, reading, now_ns)

    def _judge(
        self, sample: VerdictSample, kind: TickKind | None, recorded: str, reading: PriceReading, now_ns: int
    ) -> None:
        r = self.result
        r.checked += 1
        replayed = reading.freshness.value
        if replayed == recorded:
            r.agreed += 1
        elif reading.freshness is Freshness.NO_DATA:
            r.before_first_tick += 1
        elif reading.tick is not None and now_ns - reading.tick.mono_ns <= IN_FLIGHT_NS:
            r.in_flight += 1
        elif self._near_change(now_ns):
            r.near_plane_change += 1
        elif Freshness.SILENT_STREAM.value in (recorded, replayed):
            r.silence_timing += 1
        elif reading.age_ns is not None and abs(reading.age_ns - reading.budget_ns) <= EDGE_NS:
            r.at_budget_edge += 1
        else:
            r.differ += 1
            if len(r.examples) < EXAMPLES:
                r.examples.append(
                    {
                        "wall_ns": sample.wall_ns,
                        "asset": sample.asset,
                        "kind": "quote" if kind else "either",
                        "live": recorded,
                        "replayed": replayed,
                        "age_ns": reading.age_ns,
                    }
                )

    def _near_change(self, now_ns: int) -> bool:
        i = bisect.bisect_left(self._changes, now_ns - CHANGE_SLACK_NS)
        return i < len(self._changes) and self._changes[i] <= now_ns + CHANGE_SLACK_NS
