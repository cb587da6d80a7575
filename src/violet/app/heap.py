"""The process's heap: the startup heap taken out of the cyclic garbage collector once the feeds are up, and free memory
handed back after bursts.

NautilusTrader's node, its instruments and the imports leave a hundred thousand GC-tracked objects that live as
long as the process. Every full collection would walk them all, for longer than the reactor's 10 ms budget, at
moments nobody chooses (figures in docs/operating.md). Frozen, they are never walked again; what the feed allocates
afterwards is collected as usual.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys


def freeze_startup_heap() -> int:
    """Collect once, then freeze what survived; returns how many objects are now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def return_free_heap() -> bool:
    """Hand back to the kernel the free memory glibc's malloc keeps in its arenas (`malloc_trim(0)`), and the free
    pages Arrow's pool keeps (mimalloc by default, outside malloc's figures) when pyarrow is loaded; False where the C
    library has no such call. For work that allocates and frees in bursts from worker threads, each of which gets an
    arena of its own that otherwise keeps its high-water mark (the recorder's flushes and compactions). Call it on the
    thread that did the work: mimalloc's release from a thread that never allocated through Arrow does nothing."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
