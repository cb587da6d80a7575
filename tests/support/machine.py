"""What the machine looked like when a test failed: a failure on a shared, 2-core CI machine is read later from a
log, so each one carries the numbers that tell a slow or starved machine from a wrong program."""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path


def _kib_field_mib(path: str, field: str) -> int | None:
    """A `Field:   N kB` line of a /proc file, in MiB."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def _meminfo_mib(field: str) -> int | None:
    return _kib_field_mib("/proc/meminfo", field)


def _count(path: str) -> int | None:
    try:
        return len(os.listdir(path))
    except OSError:
        return None


def header() -> str:
    """One line for the start of a test run: what this machine offers."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (
        f"machine: {os.cpu_count()} cpus, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"memory {_meminfo_mib('MemTotal')} MiB ({_meminfo_mib('MemAvailable')} available), open files limit {soft}, "
        f"/dev/shm free {_free_mib('/dev/shm')} MiB, tmp free {_free_mib('/tmp')} MiB"
    )


def snapshot() -> str:
    """The state of this process and machine now (for a failed test's report)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return "\n".join(
        (
            f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cpus",
            f"memory available: {_meminfo_mib('MemAvailable')} MiB; "
            f"this process: {_kib_field_mib('/proc/self/status', 'VmRSS')} MiB resident",
            f"this process: {_count('/proc/self/fd')} open files (limit {soft}), {_count('/proc/self/task')} threads",
            f"free: /dev/shm {_free_mib('/dev/shm')} MiB, /tmp {_free_mib('/tmp')} MiB",
        )
    )


def _free_mib(path: str) -> int | None:
    try:
        return shutil.disk_usage(path).free // 2**20
    except OSError:
        return None
