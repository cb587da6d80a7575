from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.hz_cluster import HzCluster, hz_cluster

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
# The parser fuzzers read HYPOTHESIS_PROFILE themselves (10,000 per property under "fuzz"); everything else keeps
# the "ci" budget.
settings.register_profile("fuzz", parent=settings.get_profile("ci"))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def anyio_backend() -> tuple[str, dict[str, object]]:
    # NautilusTrader shares the reactor's loop in-process and wants uvloop: test on what production runs.
    return "asyncio", {"use_uvloop": True}
