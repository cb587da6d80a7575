from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[1] / "data" / "venues"
"""Recorded venue messages the tests read, with their provenance (tests/data/venues/*/PROVENANCE.md)."""


def sample(venue: str, name: str) -> Any:
    """A recorded message; missing is an error (the tests own their data), never a skip."""
    return json.loads((RECORDED / venue / name).read_text())
