"""The one fixture that owns the real Hazelcast member(s) for the whole run, or none when VIOLET_HZ_MEMBERS names an
external cluster (host:port[,host:port], with VIOLET_HZ_CLUSTER as its cluster name)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "hazelcast-member"


@attrs.define
class HzCluster:
    name: str
    members: tuple[str, ...]
    pid: str | None = None
    """Set when this run owns the (single) member; None for an external cluster."""

    def stop_member(self) -> None:
        assert self.pid is not None, "an external cluster is not restarted by tests"
        subprocess.run([str(SCRIPT), "stop", self.pid], timeout=60, check=False)

    def start_member(self) -> None:
        port = self.members[0].rsplit(":", 1)[1]
        out = subprocess.run(
            [str(SCRIPT), "start", port, self.name], capture_output=True, text=True, timeout=180, check=False
        )
        if out.returncode != 0:
            pytest.fail(f"could not restart the Hazelcast member: {out.stderr[-2000:]}")
        self.pid = out.stdout.split()[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_member(port: int, cluster: str, members: str = "127.0.0.1") -> str:
    """Start one member; return its pid."""
    out = subprocess.run(
        [str(SCRIPT), "start", str(port), cluster, members], capture_output=True, text=True, timeout=180, check=False
    )
    if out.returncode != 0:
        pytest.fail(f"could not start a Hazelcast member: {out.stderr[-2000:]}")
    return out.stdout.split()[0]


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
    owned = HzCluster(cluster, (f"127.0.0.1:{port}",), pid)
    try:
        yield owned
    finally:
        if owned.pid is not None:
            subprocess.run([str(SCRIPT), "stop", owned.pid], timeout=60, check=False)
