"""One version source: `violet --version`, the package metadata and `violet.__version__` agree, and the changelog
has an entry for it."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from typer.testing import CliRunner

import violet
from violet.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def test_the_cli_the_metadata_and_the_package_say_the_same_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"violet {violet.__version__}"
    assert importlib.metadata.version("violet") == violet.__version__


def test_the_changelog_has_an_entry_for_this_version() -> None:
    assert f"## [{violet.__version__}] - " in (ROOT / "CHANGELOG.md").read_text()
