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


async def test_with_a_baseline_what_turns_over_cancels_and_what_grows_is_reported(tmp_path: Path) -> None:
    # Tracing begins at 0.1 s, the baseline at 0.3, the end at 0.6 (timers fire in deadline order on one loop).
    churn: list[bytes] = []

    def turn_over() -> None:  # one site, as a bounded structure's entries are replaced by the code that made them
        churn[:] = [bytes(4096) for _ in range(100)]

    async def run() -> None:
        await anyio.sleep(0.15)
        for before_baseline in (True, False):  # one call site: the same traceback both times
            turn_over()  # first traced before the baseline, then the same 400 KiB allocated anew: turnover
            if not before_baseline:
                grow_here(100)  # 400 KiB more: growth
            await anyio.sleep(0.3)

    await traced(run, start_s=0.1, snapshot_s=0.6, to=tmp_path / "t.txt", baseline_s=0.3)
    grown = (tmp_path / "t.txt").read_text().split("the sites that grew:")[1]
    sites = grown.strip().split("\n\n")
    assert "HELD.extend(bytes(4096)" in sites[0], grown[:2000]
    assert 390 <= float(sites[0].split(" KiB")[0]) < 420
    assert not any("churn[:] = " in site and float(site.split(" KiB")[0]) > 40 for site in sites), "turnover cancels"
    HELD.clear()
