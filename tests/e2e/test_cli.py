from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

VIOLET = [sys.executable, "-m", "violet"]


def test_config_check_reports_file_key_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[venue]\nstaleness_budget_ms = 0\n")
    proc = subprocess.run([*VIOLET, "config", "check", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"{bad}: venue.staleness_budget_ms: Expected `float` > 0.0" in proc.stderr


def test_cli_errors_come_out_as_json_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[venue]\nstaleness_budget_ms = 0\n")
    cmd = [*VIOLET, "--log-format", "json", "config", "check", str(bad)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    record = json.loads(proc.stderr.strip())
    assert record["level"] == "ERROR"
    assert f"{bad}: venue.staleness_budget_ms: Expected `float` > 0.0" in record["message"]


def _violet_children() -> set[int]:
    """Simulator and feed processes nobody owns any more (their parent gone): what a run must not leave behind.
    Processes of another violet running on the machine still have their parent, and do not count."""
    out = subprocess.run(["pgrep", "-f", "-x", ".*-m violet (sim|feed) .*"], capture_output=True, text=True)
    orphans = set()
    for pid in (int(p) for p in out.stdout.split()):
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).ppid() == 1:
                orphans.add(pid)
    return orphans


def _is_violet_child(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        return re.search(r"-m violet (sim|feed) ", " ".join(process.cmdline()) + " ") is not None
    return False


def test_run_json_on_embedded_defaults_shows_both_planes_and_leaves_nothing_behind(tmp_path: Path) -> None:
    before_children = _violet_children()
    before_shm = {p.name for p in Path("/dev/shm").glob("violet-*")}
    proc = subprocess.run([*VIOLET, "run", "--duration", "6", "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])["summary"]
    for plane in ("alpha", "venue"):
        assert summary["planes"][plane]["state"] == "live"
        assert summary["planes"][plane]["received"] > 0
    assert all(row["alpha"]["ticks"] > 0 and row["venue"]["ticks"] > 0 for row in summary["assets"].values())
    assert summary["decisions"] > 0
    # Only what this run added counts: another run on the machine may end its own processes and regions meanwhile
    # (a CI run here once saw a region left by an interrupted run vanish during this test).
    assert not _violet_children() - before_children, "no simulator or feed process left running"
    left = {p.name for p in Path("/dev/shm").glob("violet-*")} - before_shm
    assert not left, f"no shared-memory region left: {left}"


def test_run_in_memory_config(tmp_path: Path) -> None:
    cfg = tmp_path / "mem.toml"
    cfg.write_text('[alpha]\nadapter = "in_memory"\n[venue]\nadapter = "in_memory"\n')
    proc = subprocess.run(
        [*VIOLET, "run", "--config", str(cfg), "--duration", "2", "--json"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["summary"]["planes"]["alpha"]["received"] > 0


def test_help_explains_every_command_with_an_example() -> None:
    for args in (
        ["run"],
        ["feed"],
        ["config", "check"],
        ["bench", "prices"],
        ["sim", "binance"],
        ["sim", "bingx"],
        ["sim", "fault"],
    ):
        proc = subprocess.run([*VIOLET, *args, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0
        assert "Example: violet" in proc.stdout


def test_ctrl_c_stops_every_child_and_exits_cleanly() -> None:
    before_children = _violet_children()
    proc = subprocess.Popen([*VIOLET, "run", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # wait for the first snapshot: everything is up
        line = proc.stdout.readline()
        if line.startswith("{"):
            break
    # Only violet's own children: Python's resource tracker (a helper of multiprocessing) leaves on its own.
    children = [c for c in psutil.Process(proc.pid).children(recursive=True) if _is_violet_child(c)]
    assert children, "the simulators and the feed process run as children"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert '"summary"' in out
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE], "every child stopped"
    assert not _violet_children() - before_children


def test_children_die_with_a_killed_run() -> None:
    """SIGKILL gives `violet run` no chance to stop its children: the kernel tells them (PR_SET_PDEATHSIG)."""
    proc = subprocess.Popen([*VIOLET, "run", "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the first snapshot: simulators and feed are up
        if proc.stdout.readline().startswith("{"):
            break
    children = [c for c in psutil.Process(proc.pid).children(recursive=True) if _is_violet_child(c)]
    assert len(children) == 3, "two simulators and the feed process"
    proc.kill()
    proc.wait(timeout=10)
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"children outlived their parent: {[c.cmdline() for c in alive]}"


def test_universe_on_embedded_defaults_lists_the_names_both_simulators_list_by_volume(tmp_path: Path) -> None:
    done = subprocess.run(
        [*VIOLET, "universe", "--json"], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True
    )
    selection = json.loads(done.stdout)
    assert selection["alpha"] == selection["venue"] and selection["alpha"][0] == "BTCUSDT-PERP"
    volumes = [float(selection["volumes"][a]) for a in selection["alpha"]]
    assert volumes == sorted(volumes, reverse=True)
    assert selection["excluded"]["binance: not a perpetual"] >= 1, "the quarterlies Binance lists beside them"
