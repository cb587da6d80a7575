"""The startup heap leaves the collector's view; later objects are still collected."""

from __future__ import annotations

import gc

from violet.app.heap import freeze_startup_heap


def test_startup_objects_are_frozen_and_later_garbage_is_still_collected() -> None:
    startup: list[list[int]] = [[] for _ in range(1000)]
    try:
        frozen = freeze_startup_heap()
        assert frozen >= 1000
        tracked = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in tracked for o in startup), "frozen objects are not walked by collections"
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1, "a cycle made after the freeze is still collected"
    finally:
        gc.unfreeze()
