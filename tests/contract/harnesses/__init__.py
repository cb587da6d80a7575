"""Every adapter's contract harness. Adding an adapter means adding one entry here."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.contract.harness import FeedHarness
from tests.contract.harnesses.bingx import bingx_harness
from tests.contract.harnesses.in_memory import in_memory_harness
from tests.contract.harnesses.nt_binance import nt_binance_harness
from tests.contract.harnesses.remote_hz import remote_hz_harness
from tests.contract.harnesses.remote_shm import remote_shm_harness
from violet.adapters.nt_binance.build import nt_major

HarnessFactory = Callable[..., AbstractAsyncContextManager[FeedHarness]]
"""Called with the fixtures it names in NEEDS (e.g. the Hazelcast cluster), or with nothing."""

HARNESSES: dict[str, HarnessFactory] = {
    "in_memory": in_memory_harness,
    "nt_binance": nt_binance_harness,
    "bingx": bingx_harness,
    "remote_shm": remote_shm_harness,
    "remote_hz": remote_hz_harness,
}
if nt_major() < 2:
    # The recorder and the history adapter read and write 1.231's Python catalog; on 2.0 the catalog is the Rust one
    # and `nautilus_trader.model.data` is gone (docs/research.md, "On NautilusTrader 2.0"): not built for 2.0 yet.
    from tests.contract.harnesses.history import history_harness

    HARNESSES["history"] = history_harness

NEEDS: dict[str, tuple[str, ...]] = {"remote_hz": ("hz_cluster",)}
