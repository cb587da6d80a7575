from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from hypothesis import HealthCheck, settings

from tests.support import machine
from tests.support.hang_report import report_if_still_running
from tests.support.hz_cluster import HzCluster, hz_cluster

__all__ = ["HzCluster", "hz_cluster"]

# "ci" is the default; "long" runs many more examples per property (`--hypothesis-profile=long`);
# "fuzz" is the dedicated parser-fuzzing profile (>= 10,000 cases per parser).
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# "fast" is `./scripts/test fast`'s: a quarter of the examples, for quick feedback (CI runs "ci").
settings.register_profile("fast", parent=settings.get_profile("ci"), max_examples=50)
# The parser fuzzers read HYPOTHESIS_PROFILE themselves (10,000 per property under "fuzz"); everything else keeps
# the "ci" budget.
settings.register_profile("fuzz", parent=settings.get_profile("ci"))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# What `./scripts/test fast` leaves out: tests that start a JVM (Hazelcast), a NautilusTrader node, or child
# processes (simulators, `violet feed`, `violet run`, benches). Everything else (domain, delivery, config, codecs,
# bridges in-process, both simulators in-process with violet's own clients, the contract suite's in_memory and bingx
# harnesses) is the fast lane. The rule is by place, so a new heavy test goes where its kind lives.
HEAVY_DIRS = ("tests/hz/", "tests/multihost/", "tests/reliability/", "tests/e2e/")
HEAVY_FILES = (
    "tests/adapters/test_nt_api_surface.py",
    "tests/adapters/test_nt_binance_feed.py",
    "tests/adapters/test_nt_drift.py",
    "tests/adapters/test_feed_process.py",
    "tests/sim/test_binance_sim_clients.py",
    # Cadence measurements: each waits out seconds of wall-clock time on purpose.
    "tests/sim/test_bingx_live_profile.py",
    "tests/sim/test_recorded_cadence.py",
    "tests/sim/test_market_rate.py",
)
HEAVY_HARNESSES = ("adapter=nt_binance", "adapter=remote_shm", "adapter=remote_hz")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(HEAVY_DIRS) or path in HEAVY_FILES or any(h in item.nodeid for h in HEAVY_HARNESSES):
            item.add_marker(pytest.mark.heavy)
        elif "test_composition_builds_unstarted_feeds" in item.nodeid:
            item.add_marker(pytest.mark.heavy)  # builds (not runs) a NautilusTrader node


def pytest_report_header() -> str:
    return machine.header()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # A failure read later from a CI log says whether the machine was starved (load, memory, files) when it failed.
    report = yield
    if report.failed:
        report.sections.append(("machine", machine.snapshot()))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None]:
    # pytest-timeout ends a hung test with thread stacks only; the asyncio tasks' stacks, written a little before,
    # say which await never returned.
    timeout_s = float(item.config.getini("timeout") or 0)
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        timeout_s = float(marker.args[0])
    if item.config.getoption("timeout", None):
        timeout_s = float(item.config.getoption("timeout"))
    if timeout_s <= 0:
        return (yield)
    with report_if_still_running(max(1.0, timeout_s - 10.0)):
        return (yield)


@pytest.fixture(scope="session")
def anyio_backend() -> tuple[str, dict[str, object]]:
    # NautilusTrader shares the reactor's loop in-process and wants uvloop: test on what production runs.
    return "asyncio", {"use_uvloop": True}
