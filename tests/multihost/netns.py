"""Hosts on one machine: Linux network namespaces joined by veth pairs to a bridge in a "switch" namespace.

This kernel has no netem qdisc, so a partition is a switch port set down; delay is a userspace TCP proxy.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import attrs

SUBNET = "10.77.{net}.{host}"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def netns_unavailable() -> str | None:
    """Why namespaces cannot be used here, or None."""
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    probe = f"vtprobe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except subprocess.CalledProcessError as exc:
        return f"`ip netns add` failed: {exc.stderr.decode(errors='replace').strip()}"
    _ip("netns", "del", probe)
    return None


@attrs.define
class Lan:
    """One switch and its hosts; `address(host)` is the host's IP, `exec_prefix(host)` runs a command there."""

    tag: str
    net: int
    hosts: dict[str, int] = attrs.field(factory=dict)

    @property
    def switch(self) -> str:
        return f"{self.tag}-sw"

    def ns(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def address(self, host: str) -> str:
        return SUBNET.format(net=self.net, host=self.hosts[host])

    def exec_prefix(self, host: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns(host)]

    def _port(self, host: str) -> str:
        return f"p{self.hosts[host]}{self.tag[-6:]}"[:15]

    def up(self, *names: str) -> None:
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        for i, host in enumerate(names, start=2):
            self.hosts[host] = i
            ns, port = self.ns(host), self._port(host)
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", self.switch)
            _ip("-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", self.switch, "link", "set", port, "master", "br0")
            _ip("-n", self.switch, "link", "set", port, "up")

    def partition(self, host: str) -> None:
        """Cut the host off the switch (no packets, no resets: a silent partition)."""
        _ip("-n", self.switch, "link", "set", self._port(host), "down")

    def heal(self, host: str) -> None:
        _ip("-n", self.switch, "link", "set", self._port(host), "up")

    def down(self) -> None:
        for host in self.hosts:
            subprocess.run(["ip", "netns", "del", self.ns(host)], check=False, capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", self.switch], check=False, capture_output=True, timeout=30)
