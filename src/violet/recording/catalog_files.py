"""A NautilusTrader `ParquetDataCatalog` that a crash never leaves half-written, with a bounded number of files.

NautilusTrader writes a Parquet file where it will be read, one file per write, and consolidates by writing the
combined file beside the originals before deleting them: a process killed mid-write leaves a truncated file that
readers fail on, and a flush every few seconds makes thousands of small files (its users report both: discussion
#3824, issue #4313). So every write here goes through NautilusTrader's own API into a staging catalog under the
root (`.violet-staging/`, which NautilusTrader never reads) and each finished file is then renamed into the same
place in the catalog: a rename is atomic on one filesystem, so readers see whole files or none. Each writer has a
lane of its own in staging (the recorder's flushes and minute compactions one, a closed period's child another), so
a flush never waits for the child, and neither clears the other's work.

Compaction combines the files of one directory that start in the same period with NautilusTrader's
`consolidate_catalog`, again in staging, and swaps the result in (the recorder settles each minute's files as the
minute closes and each hour's as the hour closes, so a catalog being written never holds more than about 75 files
per instrument and type). A crash between the swap and the
removal of the originals leaves files whose interval another file covers: `repair` (run when a catalog is opened
for recording) removes exactly those, and the staging area.

Data files are handled as `str` paths (`os.walk`, `os.path`), never `pathlib.Path`: on Python 3.12 pathlib interns
every component of a path it parses and interned strings are immortal (CPython issues #113993, #121780), so each
uniquely named file a `Path` touched stayed in memory for good: 22 KB a flush at 50 symbols, 16 MiB an hour.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

STAGING = ".violet-staging"
HOUR_NS = 3_600_000_000_000
MINUTE_NS = 60_000_000_000
PARQUET = ".parquet"
COMPLETE_TO = Path("violet") / "complete_to"
"""The newest `ts_init` of the last finished write: one write makes several files, renamed one by one, so a reader
of a catalog still being written (the history adapter following it) takes records up to this mark and holds the
rest until the write that holds them has published every file."""


def complete_to(root: Path) -> int | None:
    """The catalog's completion mark, or None where it has none (not written by violet)."""
    try:
        return int((root / COMPLETE_TO).read_text())
    except (FileNotFoundError, ValueError):
        return None


def file_interval(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """The (first, last) `ts_init` a catalog file's name gives (`2026-12-06T14-00-00-000000000Z_...Z.parquet`)."""
    name = os.path.basename(path)
    if not name.endswith(PARQUET):
        return None
    parts = name[: -len(PARQUET)].split("_")
    if len(parts) != 2:
        return None
    try:
        first, last = (_file_stamp_ns(p) for p in parts)
    except ValueError:
        return None
    return first, last


def _file_stamp_ns(stamp: str) -> int:
    day, _, clock = stamp.partition("T")
    hh, mm, ss, nanos = clock.removesuffix("Z").split("-")
    whole = datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}+00:00")
    if len(nanos) != 9 or not nanos.isdigit():
        raise ValueError(stamp)
    return int(whole.timestamp()) * 1_000_000_000 + int(nanos)


def _leaf_files(root: str) -> dict[str, list[str]]:
    """Parquet files by directory, under `root/data`."""
    out: dict[str, list[str]] = defaultdict(list)
    for directory, _, names in os.walk(os.path.join(root, "data")):
        for name in names:
            if name.endswith(PARQUET):
                out[directory].append(os.path.join(directory, name))
    return out


class CatalogFiles:
    """The catalog at `root`, written only by whole files. Not thread-safe: one writer per lane at a time (the
    recorder's flush thread in one, a closed period's child in another)."""

    def __init__(self, root: Path, lane: str = "recorder") -> None:
        """`lane`: this writer's own staging directory; writers that run at once need different lanes."""
        self.root = root
        self._root = str(root)
        self._staging = os.path.join(self._root, STAGING, lane)

    def repair(self) -> list[str]:
        """Clear what an interrupted recording left: the staging area (every lane: run only when no other writer
        is), and files another file's interval covers (the originals of a compaction whose swap completed, or was
        killed before its originals went). Returns the files removed."""
        shutil.rmtree(os.path.join(self._root, STAGING), ignore_errors=True)
        removed = []
        for files in _leaf_files(self._root).values():
            spans = {f: iv for f in files if (iv := file_interval(f)) is not None}
            for f, (a, b) in spans.items():
                if any(g != f and c <= a and b <= d and (c, d) != (a, b) for g, (c, d) in spans.items()):
                    os.unlink(f)
                    removed.append(f)
        return removed

    def write(self, data: list[Any]) -> list[str]:
        """Write NautilusTrader objects (sorted by `ts_init` per instrument and type) and publish the files made.
        The caller keeps each directory's intervals disjoint (NautilusTrader checks only within staging)."""
        if not data:
            return []
        shutil.rmtree(self._staging, ignore_errors=True)
        ParquetDataCatalog(self._staging).write_data(data)
        published = self._publish(self._staging)
        self._mark_complete(max(o.ts_init for o in data))
        return published

    def _mark_complete(self, ts_init: int) -> None:
        """Move the mark (never back) once every file of a write is in place; the mark itself is renamed into place
        so a reader never sees half a number. Not synced: a mark lost to a power cut is only behind the data."""
        mark = self.root / COMPLETE_TO
        before = complete_to(self.root)
        if before is not None and before >= ts_init:
            return
        mark.parent.mkdir(parents=True, exist_ok=True)
        tmp = mark.with_suffix(".tmp")
        tmp.write_text(str(ts_init))
        os.replace(tmp, mark)

    def _publish(self, staging: str) -> list[str]:
        published = []
        for directory, files in _leaf_files(staging).items():
            target = os.path.join(self._root, os.path.relpath(directory, staging))
            os.makedirs(target, exist_ok=True)
            for f in files:
                _fsync(f)  # the rename below must never publish a file whose bytes a power loss could take back
                dest = os.path.join(target, os.path.basename(f))
                os.replace(f, dest)
                published.append(dest)
        _fsync_dirs({os.path.dirname(p) for p in published})
        shutil.rmtree(staging, ignore_errors=True)
        return published

    def compact(
        self, period_ns: int = HOUR_NS, *, keep_open_after_ns: int | None = None, from_ns: int | None = None
    ) -> int:
        """Combine, per directory, the files that start in the same period into one. Files starting at or after
        `keep_open_after_ns` are left alone (the period still being written, when the caller says so), and so are
        those starting before `from_ns` (another writer's, when one combines them at the same time). Returns how
        many files were removed."""
        pending = self._groups(period_ns, keep_open_after_ns, from_ns)
        removed = 0
        while batch := {d: groups.pop() for d, groups in pending.items() if groups}:
            self._combine(batch)
            removed += sum(len(g) - 1 for g in batch.values())
        return removed

    def needs_compaction(self, period_ns: int, *, keep_open_after_ns: int | None = None) -> bool:
        """Whether `compact` with these arguments would combine anything (one listing, nothing read)."""
        return any(self._groups(period_ns, keep_open_after_ns).values())

    def _groups(
        self, period_ns: int, keep_open_after_ns: int | None, from_ns: int | None = None
    ) -> dict[str, list[list[str]]]:
        """Per directory, the groups of more than one file that start in the same period (in the bounds given)."""
        pending: dict[str, list[list[str]]] = {}
        below = keep_open_after_ns if keep_open_after_ns is not None else 1 << 63
        above = from_ns if from_ns is not None else -1
        for directory, files in _leaf_files(self._root).items():
            groups: dict[int, list[str]] = defaultdict(list)
            for f in files:
                iv = file_interval(f)
                if iv is None or not above <= iv[0] < below:
                    continue
                groups[iv[0] // period_ns].append(f)
            pending[directory] = [g for g in groups.values() if len(g) > 1]
        return pending

    def _combine(self, batch: dict[str, list[str]]) -> None:
        """One group per directory, combined by one NautilusTrader call (it consolidates every directory of the
        catalog it is given, so a batch costs one catalog, not one per instrument)."""
        work = os.path.join(self._staging, "compact")
        shutil.rmtree(work, ignore_errors=True)
        mirrors = {d: os.path.join(work, os.path.relpath(d, self._root)) for d in batch}
        for directory, group in batch.items():
            os.makedirs(mirrors[directory])
            for f in group:  # hard links: nothing copied, and the catalog's files stay untouched
                os.link(f, os.path.join(mirrors[directory], os.path.basename(f)))
        ParquetDataCatalog(work).consolidate_catalog(ensure_contiguous_files=False)
        made = _leaf_files(work)
        swapped = []
        for directory, group in batch.items():
            (combined,) = made[mirrors[directory]]
            _fsync(combined)
            dest = os.path.join(directory, os.path.basename(combined))
            os.replace(combined, dest)
            swapped.append((dest, group))
        _fsync_dirs(batch)
        # Only now the originals go: a crash before this leaves files the combined one covers, which `repair` removes.
        for dest, group in swapped:
            for f in group:
                if f != dest:
                    os.unlink(f)
        shutil.rmtree(work, ignore_errors=True)

    def file_count(self) -> int:
        return sum(len(files) for files in _leaf_files(self._root).values())


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dirs(directories: Iterable[str]) -> None:
    """A rename is durable once its directory is synced."""
    for d in directories:
        _fsync(d)
