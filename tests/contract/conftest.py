from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.contract.harness import FeedHarness
from tests.contract.harnesses import HARNESSES, NEEDS


@pytest.fixture(scope="module", params=sorted(HARNESSES), ids=lambda name: f"adapter={name}")
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[FeedHarness]:
    fixtures = [request.getfixturevalue(name) for name in NEEDS.get(request.param, ())]
    async with HARNESSES[request.param](*fixtures) as h:
        yield h


@pytest.fixture
def disconnectable(harness: FeedHarness) -> FeedHarness:
    if not harness.capabilities.can_disconnect:
        pytest.skip(f"{harness.name}: the harness cannot break the far side's connection")
    return harness


@pytest.fixture
def partial(harness: FeedHarness) -> FeedHarness:
    if harness.capabilities.carriers < 2:
        pytest.skip(f"{harness.name}: one carrier (a fault on it is the whole plane's outage)")
    return harness
