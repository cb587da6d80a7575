"""Where a process's memory is, sampled cheaply enough to run through an hour: RSS split as the kernel counts it
(anonymous pages, file pages mapped in), beside what glibc's malloc holds in use and holds free (mallinfo2), what
Arrow's pool holds (when pyarrow is loaded), Python's live blocks, and pymalloc's own figures: the arenas it has
mapped (1 MiB each, with `mmap`, outside malloc) and the bytes its allocated blocks hold.

A growing RSS with a flat malloc in-use figure is memory freed and kept (fragmentation, an arena's high-water mark);
with growing in-use, allocations through malloc that live (C, C++ and Rust extensions use it); with Arrow's figure,
Arrow; with growing file pages, files mapped and read (libraries, memory-mapped Parquet); with none of them,
anonymous memory mapped another way: Python's object arenas (`python_arenas` growing while `python_in_blocks` does
not is fragmentation: arenas kept alive by a few survivors each), or an allocator's cached pages.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import sys
import tempfile
from array import array
from typing import Any

import attrs
import psutil

from violet.bench.system_soak import MIB, theil_sen_slope

PARTS = (
    "rss",
    "rss_anon",
    "rss_file",
    "malloc_in_use",
    "malloc_free_held",
    "arrow_allocated",
    "python_blocks",
    "python_arenas",
    "python_in_blocks",
)
_PYMALLOC_FIGURES = {
    "python_arenas": re.compile(r"^\d+ arenas \* \d+ bytes/arena\s+=\s+([\d,]+)$", re.M),
    "python_in_blocks": re.compile(r"^# bytes in allocated blocks\s+=\s+([\d,]+)$", re.M),
}


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


@functools.cache
def _mallinfo2() -> Any:
    try:
        fn = ctypes.CDLL(None).mallinfo2  # glibc >= 2.33
    except (OSError, AttributeError):
        return None
    fn.restype = _MallInfo2
    return fn


def _kernel_rss() -> dict[str, int]:
    """RssAnon and RssFile from /proc/self/status (kB there); empty off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            lines = status.read().splitlines()
    except OSError:
        return {}
    out: dict[str, int] = {}
    for line in lines:
        key, _, rest = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            out[key] = int(rest.split()[0]) * 1024
    return out


def _pymalloc() -> dict[str, int | None]:
    """pymalloc's arenas and allocated blocks, in bytes, from `sys._debugmallocstats` (CPython's only report of them;
    it writes to the C stderr, so fd 2 is pointed at a file for the call: a few milliseconds, once a sample)."""
    report = getattr(sys, "_debugmallocstats", None)
    if report is None:
        return dict.fromkeys(_PYMALLOC_FIGURES)
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(out.fileno(), 2)
            report()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode("ascii", "replace")
    found = {part: pattern.search(text) for part, pattern in _PYMALLOC_FIGURES.items()}
    return {part: None if m is None else int(m.group(1).replace(",", "")) for part, m in found.items()}


def sample_parts() -> dict[str, int | None]:
    info = _mallinfo2()
    m = info() if info is not None else None
    arrow = sys.modules.get("pyarrow")
    kernel = _kernel_rss()
    return {
        "rss": int(psutil.Process().memory_info().rss),
        "rss_anon": kernel.get("RssAnon"),
        "rss_file": kernel.get("RssFile"),
        "malloc_in_use": None if m is None else int(m.uordblks + m.hblkhd),
        "malloc_free_held": None if m is None else int(m.fordblks),
        "arrow_allocated": None if arrow is None else int(arrow.total_allocated_bytes()),
        "python_blocks": sys.getallocatedblocks(),
    } | _pymalloc()


@attrs.define
class MemoryParts:
    """This process's parts over time, packed (a sample is a few numbers; an hour of dicts would be growth itself)."""

    _t: array[float] = attrs.field(factory=lambda: array("d"))
    _values: dict[str, array[int]] = attrs.field(factory=lambda: {p: array("q") for p in PARTS})

    def sample(self, t: float) -> None:
        self._t.append(t)
        for part, value in sample_parts().items():
            self._values[part].append(-1 if value is None else value)

    def summary(self, from_s: float) -> dict[str, Any]:
        """Per part: first and last value, its Theil-Sen slope per hour from `from_s`, and every sample (MiB; blocks
        for Python), so a step can be told from a slope."""
        out: dict[str, Any] = {"samples": len(self._t), "judged_from_s": round(from_s, 1)}
        for part, values in self._values.items():
            points = [(t, v) for t, v in zip(self._t, values, strict=True) if t >= from_s and v >= 0]
            scale = 1 if part == "python_blocks" else MIB
            out[part] = {
                "start": values[0] / scale if values and values[0] >= 0 else None,
                "end": values[-1] / scale if values and values[-1] >= 0 else None,
                "slope_per_hour": theil_sen_slope(points) * 3600 / scale if len(points) >= 2 else None,
                "series": [round(v / scale, 2) if v >= 0 else None for v in values],
            }
        out["series_t_s"] = [round(t, 1) for t in self._t]
        return out
