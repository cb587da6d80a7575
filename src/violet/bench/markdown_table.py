"""Markdown tables for bench reports: the separator always matches the header, and a note row shorter than the
header is padded, so a report never renders with a broken table."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence


def table(header: str, rows: Iterable[Sequence[object]]) -> list[str]:
    """`header` is written as it renders, columns separated by " | "."""
    columns = header.split(" | ")
    width = len(columns)
    lines = [_row(columns), "|" + "---|" * width]
    for row in rows:
        if len(row) > width:
            raise ValueError(f"a row of {len(row)} cells under a header of {width}: {row!r}")
        lines.append(_row([*row, *[""] * (width - len(row))]))
    return lines


def _row(cells: Sequence[object]) -> str:
    return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"


LATENCY_FIELDS = ("p50_us", "p90_us", "p99_us", "p999_us", "max_us")


def median_us(runs: Sequence[Mapping[str, float]]) -> list[str]:
    """The median over repeats of each latency percentile, in whole microseconds, as table cells."""
    return [f"{statistics.median(r[f] for r in runs):.0f}" for f in LATENCY_FIELDS]
