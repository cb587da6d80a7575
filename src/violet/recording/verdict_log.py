"""What the live planes answered, sampled while they were recorded: `violet/verdicts.jsonl`.

A replay claims the verdicts live gave at the same moments; this log is what it is checked against. Every
`every_s` (on the recording's clock, put on the wall clock like each tick's `ts_init`), each plane's `latest()` for
every asset, of either kind and of the quote: `[wall_ns, venue, asset, freshness, quote freshness]` (the venue as
the catalog names it). Off unless asked for (`violet record --catalog DIR --verdicts-every-s S`): at 50 symbols and
one sample a second it is ~25 MB an hour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import attrs

from violet.domain import Clock, TickKind
from violet.ports import VenuePriceFeedPort
from violet.recording.jsonl_log import AppendLog, read_rows

LOG = Path("violet") / "verdicts.jsonl"


@attrs.frozen
class VerdictSample:
    wall_ns: int
    venue: str
    asset: str
    freshness: str
    """`latest(asset)`: the newest tick of either kind."""
    quote_freshness: str
    """`latest(asset, kind=TickKind.QUOTE)`: what an exit price is taken from."""


class VerdictLog(AppendLog):
    def __init__(self, root: Path) -> None:
        super().__init__(root / LOG)

    def sample(self, feed: VenuePriceFeedPort, to_wall: Callable[[int], int], clock: Clock) -> None:
        venue = feed.venue.upper()
        for asset in sorted(feed.assets()):
            # Stamped per asset, just before its readings: `latest()` reads the clock again, microseconds later.
            now = to_wall(clock.monotonic_ns())
            either = feed.latest(asset).freshness.value
            quote = feed.latest(asset, kind=TickKind.QUOTE).freshness.value
            self.append([now, venue, asset, either, quote])

    async def follow(
        self, feeds: list[VenuePriceFeedPort], to_wall: Callable[[int], int], clock: Clock, every_s: float
    ) -> None:
        while True:
            for feed in feeds:
                self.sample(feed, to_wall, clock)
            await anyio.sleep(every_s)


def read_verdicts(root: Path) -> Iterator[VerdictSample]:
    for row in read_rows(root / LOG):
        try:
            wall_ns, venue, asset, either, quote = row
            yield VerdictSample(int(wall_ns), str(venue), str(asset), str(either), str(quote))
        except (ValueError, TypeError):
            continue
