"""The growth diagnostic: what a run allocated after tracing began and still holds, named by the code that did."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from violet.bench.heap_trace import traced

pytestmark = pytest.mark.anyio
HELD: list[bytes] = []


def grow_here(n: int) -> None:
    HELD.extend(bytes(4096) for _ in range(n))


async def test_what_was_allocated_after_tracing_began_and_is_still_held_is_reported_by_its_site(tmp_path: Path) -> None:
    # Timers fire in deadline order on one loop: tracing starts (0.1 s) before the growth (0.2 s), and the snapshot
    # (0.4 s) comes before the run ends (0.5 s), however loaded the machine.
    async def run() -> str:
        grow_here(10)  # before tracing: not in the report
        await anyio.sleep(0.2)
        grow_here(200)  # ~800 KiB, held
        await anyio.sleep(0.3)
        return "done"

    assert await traced(run, start_s=0.1, snapshot_s=0.4, to=tmp_path / "t.txt") == "done"
    text = (tmp_path / "t.txt").read_text()
    first = text.split("\n\n")[1]
    assert "HELD.extend(bytes(4096)" in first, text[:2000]
    held = float(first.split(" KiB")[0])
    assert 780 <= held < 830, "the 200 blocks allocated after tracing began (800 KiB), not the 10 before (+40)"
    HELD.clear()
