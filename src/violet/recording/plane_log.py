"""Each plane's health while it was recorded, beside the catalog: `violet/planes.jsonl`.

A replay gives the same verdicts as live only if it knows when assets were down (their readings `FEED_DOWN`, not
fresh, whatever their age). The log holds one line per change, `[wall_ns, plane, venue, state, [assets down]]`
(the venue as the catalog names it), sampled
every 50 ms (an outage shorter than that may be missed). Lines are appended and synced with each flush; a line
torn by a crash is skipped on reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import attrs

from violet.domain import Clock
from violet.ports import PlaneHealth, VenuePriceFeedPort
from violet.recording.jsonl_log import AppendLog, read_rows

POLL_S = 0.05
LOG = Path("violet") / "planes.jsonl"


@attrs.frozen
class PlaneChange:
    wall_ns: int
    plane: str
    venue: str
    state: str
    assets_down: tuple[str, ...]


class PlaneLog(AppendLog):
    def __init__(self, root: Path) -> None:
        super().__init__(root / LOG)

    def _append(self, change: PlaneChange) -> None:
        self.append([change.wall_ns, change.plane, change.venue, change.state, list(change.assets_down)])

    async def follow(self, plane: str, feed: VenuePriceFeedPort, to_wall: Callable[[int], int], clock: Clock) -> None:
        last: tuple[str, tuple[str, ...]] | None = None
        while True:
            down = tuple(sorted(feed.assets_down())) if isinstance(feed, PlaneHealth) else ()
            now = (feed.state.value, down)
            if now != last:
                self._append(PlaneChange(to_wall(clock.monotonic_ns()), plane, feed.venue.upper(), *now))
                last = now
            await anyio.sleep(POLL_S)


def read_changes(root: Path) -> Iterator[PlaneChange]:
    for row in read_rows(root / LOG):
        try:
            wall_ns, plane, venue, state, down = row
            yield PlaneChange(int(wall_ns), str(plane), str(venue), str(state), tuple(str(a) for a in down))
        except (ValueError, TypeError):
            continue
