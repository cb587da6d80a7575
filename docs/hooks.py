"""MkDocs hook: the configuration and metrics references are generated from the code at every build (violet.reference),
so they cannot drift from it; they are never committed (.gitignore)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from violet.reference import config_reference, metrics_reference

REFERENCE = Path(__file__).parent / "reference"


def on_pre_build(config: Any) -> None:
    REFERENCE.mkdir(exist_ok=True)
    for name, text in (("config.md", config_reference()), ("metrics.md", metrics_reference())):
        path = REFERENCE / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
