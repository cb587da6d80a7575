"""The systemd units in deploy/ pass `systemd-analyze verify` and start commands violet accepts."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
UNITS = sorted(DEPLOY.glob("*.service"))
INSTALLED_VIOLET = "/opt/violet/bin/violet"


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing: CI machines have it (Debian: systemd)")
        pytest.skip("systemd-analyze is not installed")
    return found


def _exec_start(unit: Path) -> list[str]:
    lines = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    assert len(lines) == 1
    return shlex.split(lines[0].removeprefix("ExecStart="))


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_verifies(unit: Path, tmp_path: Path) -> None:
    """`verify` insists the ExecStart binary exists: the copy points it at this checkout's violet."""
    local = tmp_path / unit.name
    violet = Path(sys.executable).with_name("violet")
    local.write_text(unit.read_text().replace(INSTALLED_VIOLET, str(violet)))
    proc = subprocess.run([_systemd_analyze(), "verify", str(local)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # An unknown or misspelt key is only a warning to systemd: here it is a failure.
    assert not [line for line in proc.stderr.splitlines() if unit.name in line], proc.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_restarts_on_failure_but_not_on_a_config_error(unit: Path) -> None:
    text = unit.read_text()
    assert "Restart=on-failure" in text
    assert "RestartPreventExitStatus=2" in text, "exit 2 is a config error: a restart cannot fix it"
    assert "EnvironmentFile=/etc/violet/violet.env" in text, "secrets come from an environment file"
    for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes"):
        assert option in text


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_exec_start_is_a_command_line_violet_accepts(unit: Path) -> None:
    """The unit's own arguments, with `--help` appended: typer parses every option before it prints help, so an
    option violet does not have fails here. Its config file (installed as /etc/violet/...) is checked too."""
    argv = _exec_start(unit)
    assert argv[0] == INSTALLED_VIOLET
    cmd = [sys.executable, "-m", "violet", *argv[1:]]
    config = Path(argv[argv.index("--config") + 1])
    shipped = DEPLOY / config.name
    cmd[cmd.index(str(config))] = str(shipped)
    proc = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "violet", "config", "check", str(shipped)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr
