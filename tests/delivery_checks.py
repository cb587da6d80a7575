"""What a consumer of the port may never see, whatever the venue did: a tick twice, or a tick older than one of
the same asset and kind it already got."""

from __future__ import annotations

from violet.domain import NormalizedTick
from violet.ports import TickStream


async def collect(stream: TickStream, into: list[NormalizedTick]) -> None:
    async for tick in stream:
        into.append(tick)  # noqa: PERF401 - one by one: the task is cancelled, not drained


def assert_each_once_and_in_order(ticks: list[NormalizedTick]) -> None:
    seen: set[tuple[object, ...]] = set()
    newest: dict[tuple[str, object], int] = {}
    for tick in ticks:
        key = (tick.asset, tick.kind, tick.ts_event, tick.bid, tick.ask, tick.last)
        assert key not in seen, f"delivered twice: {tick}"
        seen.add(key)
        lane = (tick.asset, tick.kind)
        assert tick.ts_event >= newest.get(lane, 0), f"older than a tick already delivered: {tick}"
        newest[lane] = tick.ts_event
