"""The process's startup heap, taken out of the cyclic garbage collector once the feeds are up.

NautilusTrader's node, its instruments and the imports leave a hundred thousand GC-tracked objects that live as
long as the process. Every full collection would walk them all, for longer than the reactor's 10 ms budget, at
moments nobody chooses (figures in docs/operating.md). Frozen, they are never walked again; what the feed allocates
afterwards is collected as usual.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then freeze what survived; returns how many objects are now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
