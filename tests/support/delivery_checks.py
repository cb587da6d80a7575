"""What a consumer of the port may never see, whatever the venue did: the same update twice in a row, or a tick
older than one of the same asset and kind it already got. (The same prices may come back later in the same
millisecond as a new update: a burst stamps every event alike.)"""

from __future__ import annotations

from violet.domain import NormalizedTick
from violet.ports import TickStream


async def collect(stream: TickStream, into: list[NormalizedTick]) -> None:
    async for tick in stream:
        into.append(tick)  # noqa: PERF401 - one by one: the task is cancelled, not drained


def assert_each_once_and_in_order(ticks: list[NormalizedTick]) -> None:
    previous: dict[tuple[str, object], NormalizedTick] = {}
    for tick in ticks:
        lane = (tick.asset, tick.kind)
        before = previous.get(lane)
        if before is not None:
            assert tick.ts_event >= before.ts_event, f"older than a tick already delivered: {tick}"
            same = (tick.ts_event, tick.bid, tick.ask, tick.last) == (
                before.ts_event,
                before.bid,
                before.ask,
                before.last,
            )
            assert not same, f"delivered twice: {tick}"
        previous[lane] = tick
