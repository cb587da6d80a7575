"""The bench command works and writes its report; it checks nothing about the numbers (noisy machines)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_bench_latency_smoke(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "violet",
        "bench",
        "latency",
        "--scenario",
        "bingx-raw (baseline)",
        "--scenario",
        "bingx-violet",
        "--symbols",
        "2",
        "--rate",
        "200",
        "--duration",
        "1",
        "--repeats",
        "1",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    assert set(report["summary"]) == {"bingx-raw (baseline)", "bingx-violet"}
    assert report["summary"]["bingx-violet"]["matched"] > 0
    assert "| bingx-violet |" in (tmp_path / "bench.md").read_text()
    assert report["machine"]["cpus"] >= 1
