"""Bench report tables: the separator matches the header, note rows are padded, a row wider than the header is an
error rather than a table that renders shifted."""

from __future__ import annotations

import pytest

from violet.bench.markdown_table import median_us, table


def test_header_separator_and_rows() -> None:
    assert table("a | b | c", [[1, "x", 2.5]]) == ["| a | b | c |", "|---|---|---|", "| 1 | x | 2.5 |"]


def test_a_short_row_is_padded_with_empty_cells() -> None:
    assert table("a | b | c", [["note"]])[-1] == "| note | | |"


def test_a_row_wider_than_the_header_is_refused() -> None:
    with pytest.raises(ValueError, match="3 cells under a header of 2"):
        table("a | b", [[1, 2, 3]])


def test_median_us_is_the_median_of_each_percentile_over_repeats() -> None:
    runs = [
        {"p50_us": 10.0, "p90_us": 20.0, "p99_us": 30.0, "p999_us": 40.0, "max_us": 50.0},
        {"p50_us": 12.0, "p90_us": 22.0, "p99_us": 90.0, "p999_us": 44.0, "max_us": 51.0},
        {"p50_us": 11.0, "p90_us": 21.0, "p99_us": 31.0, "p999_us": 42.0, "max_us": 99.0},
    ]
    assert median_us(runs) == ["11", "21", "31", "42", "51"]
