"""The memory parts `violet bench record` samples: each reads what it names on this machine (glibc, Linux)."""

from __future__ import annotations

import gc
import sys

import pytest

from violet.app.heap import return_free_heap
from violet.bench.memory_parts import MemoryParts, sample_parts
from violet.bench.system_soak import MIB

glibc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallinfo2 and malloc_trim are glibc's")


@glibc
def test_a_large_live_allocation_shows_in_malloc_in_use_and_in_rss() -> None:
    before = sample_parts()
    held = bytearray(64 * MIB)  # zero-filled: its pages are touched, so resident
    after = sample_parts()
    in_use_before, in_use_after = before["malloc_in_use"], after["malloc_in_use"]
    assert in_use_before is not None and in_use_after is not None
    assert in_use_after - in_use_before >= 63 * MIB
    rss_before, rss_after = before["rss"], after["rss"]
    assert rss_before is not None and rss_after is not None
    assert rss_after - rss_before >= 32 * MIB
    anon_before, anon_after = before["rss_anon"], after["rss_anon"]
    assert anon_before is not None and anon_after is not None
    assert anon_after - anon_before >= 32 * MIB, "a heap allocation is anonymous memory"
    del held


@glibc
def test_the_summary_gives_each_parts_trend_from_the_judged_moment() -> None:
    parts = MemoryParts()
    parts.sample(0.0)
    held = bytearray(32 * MIB)
    parts.sample(3600.0)
    summary = parts.summary(0.0)
    assert summary["samples"] == 2
    assert summary["malloc_in_use"]["slope_per_hour"] >= 31
    assert summary["python_blocks"]["start"] > 0
    assert summary["series_t_s"] == [0.0, 3600.0]
    first, last = summary["malloc_in_use"]["series"]
    assert last - first >= 31
    assert parts.summary(1800.0)["malloc_in_use"]["slope_per_hour"] is None, "one sample after 1800 s: no trend"
    del held


@glibc
def test_free_heap_is_handed_back_where_glibc_offers_it() -> None:
    assert return_free_heap() is True


@glibc
def test_arrows_pool_hands_back_the_pages_it_keeps_after_a_burst() -> None:
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    if pa.default_memory_pool().backend_name != "mimalloc":
        pytest.skip("the burst's pages are kept by mimalloc, Arrow's default pool here")
    column = pa.array(range(100_000), type=pa.int64())
    burst = [pc.add(column, i) for i in range(150)]  # ~115 MiB through Arrow's pool, as a compaction allocates
    kept = burst[::50]
    del burst
    held = sample_parts()["rss_anon"]
    assert return_free_heap() is True
    after = sample_parts()["rss_anon"]
    assert held is not None and after is not None
    assert held - after >= 50 * MIB, "freed Arrow buffers stay resident until the pool is told to let them go"
    del kept


@glibc
def test_arrows_pages_are_not_handed_back_by_a_thread_that_never_allocated() -> None:
    import threading

    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    if pa.default_memory_pool().backend_name != "mimalloc":
        pytest.skip("per-thread heaps are mimalloc's, Arrow's default pool here")
    column = pa.array(range(100_000), type=pa.int64())
    done, go_on = threading.Event(), threading.Event()
    released_there: list[int] = []

    def worker() -> None:  # a compaction on a worker thread that stays alive, as anyio's do
        burst = [pc.add(column, i) for i in range(150)]
        del burst
        done.set()
        go_on.wait(30)
        return_free_heap()
        anon = sample_parts()["rss_anon"]
        released_there.append(-1 if anon is None else anon)

    thread = threading.Thread(target=worker)
    thread.start()
    assert done.wait(30)
    held = sample_parts()["rss_anon"]
    fresh = threading.Thread(target=return_free_heap)  # a thread whose mimalloc heap was never used
    fresh.start()
    fresh.join(30)
    after_fresh = sample_parts()["rss_anon"]
    go_on.set()
    thread.join(30)
    assert held is not None and after_fresh is not None and released_there
    freed_by_fresh, freed_by_worker = held - after_fresh, held - released_there[0]
    assert freed_by_worker >= 50 * MIB, "the thread that did the work hands its pages back"
    assert freed_by_fresh < freed_by_worker / 2, "a thread that never allocated hands back next to nothing"


def test_pymallocs_arenas_outlive_its_blocks_when_a_few_survivors_are_scattered_through_them() -> None:
    gc.collect()  # earlier tests' garbage freed now, not between the samples
    gc.disable()
    try:
        _burst_with_survivors()
    finally:
        gc.enable()


def _burst_with_survivors() -> None:
    before = sample_parts()
    burst = [object() for _ in range(4_000_000)]  # 16 bytes each: ~61 MiB of pymalloc blocks
    during = sample_parts()
    survivors = burst[::2_000]  # one object in 2,000: one in every other pool, in every arena
    del burst
    after = sample_parts()
    arenas = [s["python_arenas"] for s in (before, during, after)]
    blocks = [s["python_in_blocks"] for s in (before, during, after)]
    if None in arenas or None in blocks:
        pytest.skip("this Python has no pymalloc report")
    a0, a1, a2 = (int(a or 0) for a in arenas)
    b0, b1, b2 = (int(b or 0) for b in blocks)
    assert b1 - b0 >= 56 * MIB
    assert a1 - a0 >= (b1 - b0) - (a0 - b0), "what the arenas' free room could not hold was mapped anew"
    assert b1 - b2 >= 56 * MIB, "the burst's blocks are freed"
    assert a1 - a2 <= 2 * MIB, "and its arenas are kept by the survivors: fragmentation, seen as such"
    del survivors
