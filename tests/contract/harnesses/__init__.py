"""Every adapter's contract harness. Adding an adapter means adding one entry here."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.contract.harness import FeedHarness
from tests.contract.harnesses.bingx import bingx_harness
from tests.contract.harnesses.history import history_harness
from tests.contract.harnesses.in_memory import in_memory_harness
from tests.contract.harnesses.nt_binance import nt_binance_harness
from tests.contract.harnesses.remote_hz import remote_hz_harness
from tests.contract.harnesses.remote_shm import remote_shm_harness

HarnessFactory = Callable[..., AbstractAsyncContextManager[FeedHarness]]
"""Called with the fixtures it names in NEEDS (e.g. the Hazelcast cluster), or with nothing."""

HARNESSES: dict[str, HarnessFactory] = {
    "in_memory": in_memory_harness,
    "nt_binance": nt_binance_harness,
    "bingx": bingx_harness,
    "remote_shm": remote_shm_harness,
    "remote_hz": remote_hz_harness,
    "history": history_harness,
}

NEEDS: dict[str, tuple[str, ...]] = {"remote_hz": ("hz_cluster",)}
