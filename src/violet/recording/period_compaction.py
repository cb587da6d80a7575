"""A closed period's compaction, in a process of its own, so its memory leaves with that process.

Combining an hour of files reads every one of them back through NautilusTrader and Arrow. Done in the recording
process, that left a step of anonymous memory at each hour's compaction that no allocator releases (+6-8 MiB in
`violet bench record`, outside malloc's and Arrow's accounting; docs/research.md). A child started with the same
interpreter does the hour's work and exits; the recording process keeps only its minute compactions, which touch a
minute of files. The child changes nothing about safety: it combines through the same staged swap
(`CatalogFiles.compact`), and the recorder waits for it before its next write, as it waited for the thread. A child
left running by a killed recorder either finishes a swap a repair would have finished, or fails when the next
recorder's repair or write clears the staging area under it; it never touches the open period.

Run as `python -m violet.recording.period_compaction ROOT PERIOD_NS KEEP_OPEN_AFTER_NS`: prints how many files it
removed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import attrs

from violet.domain import VioletError
from violet.domain.errors import Explained


@attrs.define
class CompactionFailed(Explained, VioletError, RuntimeError):
    template = "compacting {root}'s closed periods failed in its child process (exit {code}): {detail}"
    root: str
    code: int
    detail: str


def compact_closed_periods(root: Path, period_ns: int, keep_open_after_ns: int) -> int:
    """Combine each directory's files per closed period (those starting before `keep_open_after_ns`) in a child
    process; blocking. Returns the files removed; raises `CompactionFailed`."""
    args = [sys.executable, "-m", __name__, str(root), str(period_ns), str(keep_open_after_ns)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603 - this interpreter, this module
    if done.returncode != 0:
        raise CompactionFailed(str(root), done.returncode, done.stderr.strip()[-2000:] or "no output")
    return int(done.stdout.split()[-1])  # the last line: anything a library printed comes before it


def main(argv: list[str]) -> int:
    from violet.recording.catalog_files import CatalogFiles

    root, period_ns, keep_open_after_ns = argv
    removed = CatalogFiles(Path(root)).compact(int(period_ns), keep_open_after_ns=int(keep_open_after_ns))
    print(removed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
