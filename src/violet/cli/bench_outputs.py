"""How a bench command leaves its report: `<stem>.json` (every figure) and `<stem>.md` (the table, also printed)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def write_outputs(out: Path, stem: str, data: object, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(data, indent=2))
    (out / f"{stem}.md").write_text(text)
    typer.echo(text)
