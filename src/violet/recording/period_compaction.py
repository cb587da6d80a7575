"""A closed period's compaction, in a process of its own, so its memory leaves with that process.

Combining an hour of files reads every one of them back through NautilusTrader and Arrow. Done in the recording
process, that left a step of anonymous memory at each hour's compaction that no allocator releases (+6-8 MiB in
`violet bench record`, outside malloc's and Arrow's accounting; docs/research.md). A child started with the same
interpreter does the hour's work and exits; the recording process keeps only its minute compactions, which touch a
minute of the open period's files.

The recorder does not wait for the child: its flushes go on (into a staging lane of their own), because ~20 s of
ticks held back for one flush after the child were a burst that left pymalloc's arenas fragmented for good (the
step that remained, reproduced by `violet bench record-cycle --hour-pause-s`). The two never touch the same file:
the child combines only files that start before the open period, the recorder's minute compactions only files that
start in it, and a late flush's file in a closed period stays beside the combined one until the next child. The
child dies with the recorder (Linux's parent-death signal), so a killed recording leaves only what `repair`
removes when the catalog is next opened for recording: a staging lane, or originals a swapped-in file covers.

Run as `python -m violet.recording.period_compaction ROOT PERIOD_NS KEEP_OPEN_AFTER_NS [PARENT_PID]`: prints how
many files it removed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import attrs

from violet.domain import VioletError
from violet.domain.errors import Explained


@attrs.define
class CompactionFailed(Explained, VioletError, RuntimeError):
    template = "compacting {root}'s closed periods failed in its child process (exit {code}): {detail}"
    root: str
    code: int
    detail: str


def _command(root: Path, period_ns: int, keep_open_after_ns: int) -> list[str]:
    return [sys.executable, "-m", __name__, str(root), str(period_ns), str(keep_open_after_ns), str(os.getpid())]


def _removed(root: Path, code: int, stdout: str, stderr: str) -> int:
    if code != 0:
        raise CompactionFailed(str(root), code, stderr.strip()[-2000:] or "no output")
    return int(stdout.split()[-1])  # the last line: anything a library printed comes before it


def compact_closed_periods(root: Path, period_ns: int, keep_open_after_ns: int) -> int:
    """Combine each directory's files per closed period (those starting before `keep_open_after_ns`) in a child
    process; blocking. Returns the files removed; raises `CompactionFailed`."""
    done = subprocess.run(_command(root, period_ns, keep_open_after_ns), capture_output=True, text=True, check=False)  # noqa: S603 - this interpreter, this module
    return _removed(root, done.returncode, done.stdout, done.stderr)


async def compact_closed_periods_async(root: Path, period_ns: int, keep_open_after_ns: int) -> int:
    """`compact_closed_periods` without holding a thread; cancelled, the child is killed (what it leaves, `repair`
    removes)."""
    done = await anyio.run_process(_command(root, period_ns, keep_open_after_ns), check=False)
    return _removed(root, done.returncode, done.stdout.decode(), done.stderr.decode(errors="replace"))


def _die_with(parent_pid: int) -> None:
    """Linux: be killed when the recorder dies, and exit now if it already has (the signal only covers deaths after
    it is set). The signal follows the thread that started the child: the event loop's, or a thread blocked on it
    until it exits, so it never fires early."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:
        sys.exit(3)


def main(argv: list[str]) -> int:
    root, period_ns, keep_open_after_ns, *parent = argv
    if parent:
        _die_with(int(parent[0]))
    from violet.recording.catalog_files import CatalogFiles  # NautilusTrader's import takes a second: after the above

    files = CatalogFiles(Path(root), lane="period")
    print(files.compact(int(period_ns), keep_open_after_ns=int(keep_open_after_ns)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
