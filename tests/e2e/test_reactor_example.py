"""The example reactor in the README, run as a reader would: `python examples/reactor.py --duration S`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_reactor_prints_a_fresh_basis_for_every_default_asset_and_exits_0() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "reactor.py"), "--duration", "60"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = {line.split()[0] for line in proc.stdout.splitlines() if " basis " in line}
    assert printed == {"BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"}, proc.stdout
