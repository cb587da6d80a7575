from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED_VENUES = Path(__file__).resolve().parents[3] / "shared" / "venues"


def sample(venue: str, name: str) -> Any:
    path = SHARED_VENUES / venue / "samples" / name
    if not path.exists():
        pytest.skip(f"reference sample {path} not present (../shared/venues is read-only reference material)")
    return json.loads(path.read_text())
