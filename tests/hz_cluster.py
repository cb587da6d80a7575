"""The one fixture that owns the real Hazelcast member(s) for the whole run, or none when VIOLET_HZ_MEMBERS names an
external cluster (host:port[,host:port], with VIOLET_HZ_CLUSTER as its cluster name)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "hazelcast-member"


@attrs.frozen
class HzCluster:
    name: str
    members: tuple[str, ...]


@pytest.fixture(scope="session")
def hz_cluster() -> Iterator[HzCluster]:
    external = os.environ.get("VIOLET_HZ_MEMBERS")
    if external:
        yield HzCluster(os.environ.get("VIOLET_HZ_CLUSTER", "dev"), tuple(external.split(",")))
        return
    cluster = f"violet-test-{os.getpid()}"
    out = subprocess.run([str(SCRIPT), "start", "0", cluster], capture_output=True, text=True, timeout=180, check=False)
    if out.returncode != 0:
        pytest.fail(f"could not start a Hazelcast member: {out.stderr[-2000:]}")
    pid, port = out.stdout.split()
    try:
        yield HzCluster(cluster, (f"127.0.0.1:{port}",))
    finally:
        subprocess.run([str(SCRIPT), "stop", pid], timeout=60, check=False)
