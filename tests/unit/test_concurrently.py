"""`concurrently`: feed shards start at once, and one shard's failure reads as that failure."""

from __future__ import annotations

from functools import partial

import anyio
import anyio.lowlevel
import pytest

from violet.app.processes import ChildFailed, concurrently

pytestmark = pytest.mark.anyio


async def test_every_call_runs_at_once_and_results_keep_their_order() -> None:
    started = 0
    all_started = anyio.Event()

    async def call(i: int) -> int:
        nonlocal started
        started += 1
        if started == 3:
            all_started.set()
        await all_started.wait()  # returns only if the three run at the same time
        return i * 10

    with anyio.fail_after(5):
        assert await concurrently([partial(call, i) for i in range(3)]) == [0, 10, 20]


async def test_the_first_failure_is_raised_as_itself_and_cancels_the_rest() -> None:
    cancelled = anyio.Event()

    async def waits_forever() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    async def fails() -> None:
        await anyio.lowlevel.checkpoint()
        raise ChildFailed("feed shard 1 exited before it was ready (code 3)")

    with anyio.fail_after(5), pytest.raises(ChildFailed, match="feed shard 1"):
        await concurrently([waits_forever, fails])
    assert cancelled.is_set()


async def test_nothing_to_run_is_nothing_returned() -> None:
    assert await concurrently([]) == []
