"""Read both planes to their end, every tick, as a study needs: one subscription per plane over all its assets."""

from __future__ import annotations

from collections.abc import Callable

import anyio

from violet.domain import NormalizedTick
from violet.ports import VenuePriceFeedPort


async def read_to_the_end(
    planes: dict[str, VenuePriceFeedPort], on_tick: Callable[[str, NormalizedTick], None]
) -> dict[str, int]:
    """Hands every tick of each plane to `on_tick` until the plane's stream ends (a finite replay's end). Returns,
    per plane, the ticks a stream conflated (a reader too slow for the replay; zero when it kept up)."""
    conflated: dict[str, int] = {}

    async def read(name: str, feed: VenuePriceFeedPort) -> None:
        async with feed.subscribe(feed.assets()) as stream:
            async for tick in stream:
                on_tick(name, tick)
            conflated[name] = sum(stream.conflated_by_asset().values())

    async with anyio.create_task_group() as tg:
        for name, feed in planes.items():
            tg.start_soon(read, name, feed)
    return conflated
