from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VIOLET = [sys.executable, "-m", "violet"]


def test_config_check_reports_file_key_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[venue]\nstaleness_budget_ms = 0\n")
    proc = subprocess.run([*VIOLET, "config", "check", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"{bad}: venue.staleness_budget_ms: Expected `float` > 0.0" in proc.stderr


def test_run_json_on_embedded_defaults_shows_both_planes(tmp_path: Path) -> None:
    proc = subprocess.run([*VIOLET, "run", "--duration", "2", "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])["summary"]
    for plane in ("alpha", "venue"):
        assert summary["planes"][plane]["state"] == "live"
        assert summary["planes"][plane]["received"] > 0
    assert summary["decisions"] > 0


def test_help_explains_every_command_with_an_example() -> None:
    for args in (["run"], ["config", "check"], ["bench", "prices"]):
        proc = subprocess.run([*VIOLET, *args, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert "Example: violet" in proc.stdout
