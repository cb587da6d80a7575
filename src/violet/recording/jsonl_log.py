"""An append-only JSON-lines file beside a catalog: appended on the event loop, synced with each flush; a line torn
by a crash is skipped on reading."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import msgspec


class AppendLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def append(self, row: list[Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("ab")
        self._file.write(msgspec.json.encode(row) + b"\n")

    def sync(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None


def read_rows(path: Path) -> Iterator[list[Any]]:
    """Every whole line's row; a torn or foreign line is skipped."""
    if not path.exists():
        return
    with path.open("rb") as f:
        for line in f:
            try:
                row = msgspec.json.decode(line)
            except msgspec.DecodeError:
                continue
            if isinstance(row, list):
                yield row
