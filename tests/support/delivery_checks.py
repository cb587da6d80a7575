"""What a consumer of the port may never see, whatever the venue did: the same update twice in a row, or a tick
older than one of the same asset and kind it already got.

The same prices may come back later in the same millisecond as a genuinely new update (a burst stamps every event
alike), and the stream may have conflated the update between them: a repeat is only a duplicate when the stream
conflated nothing of that asset in between."""

from __future__ import annotations

from violet.domain import NormalizedTick
from violet.ports import TickStream

Delivery = tuple[NormalizedTick, int]
"""A tick as the consumer got it, and how many of its asset's updates the stream had conflated by then."""


async def collect(stream: TickStream, into: list[Delivery]) -> None:
    async for tick in stream:
        into.append((tick, stream.conflated_by_asset().get(tick.asset, 0)))  # noqa: PERF401 - task is cancelled


def assert_each_once_and_in_order(deliveries: list[Delivery]) -> None:
    previous: dict[tuple[str, object], Delivery] = {}
    for tick, conflated in deliveries:
        lane = (tick.asset, tick.kind)
        if lane in previous:
            before, conflated_before = previous[lane]
            assert tick.ts_event >= before.ts_event, f"older than a tick already delivered: {tick}"
            same = (tick.ts_event, tick.bid, tick.ask, tick.last) == (
                before.ts_event,
                before.bid,
                before.ask,
                before.last,
            )
            assert not (same and conflated == conflated_before), f"delivered twice: {tick}"
        previous[lane] = (tick, conflated)
