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
        "--scenario",
        "bingx-violet-metrics",
        "--scenario",
        "bingx-violet-tap",
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
    scenarios = {"bingx-raw (baseline)", "bingx-violet", "bingx-violet-metrics", "bingx-violet-tap"}
    assert set(report["summary"]) == scenarios
    assert report["summary"]["bingx-violet-metrics"]["matched"] > 0
    assert report["summary"]["bingx-violet-tap"]["matched"] > 0
    assert report["summary"]["bingx-violet"]["matched"] > 0
    assert "| bingx-violet |" in (tmp_path / "bench.md").read_text()
    assert report["machine"]["cpus"] >= 1
    plots = subprocess.run(
        [
            sys.executable,
            "-m",
            "violet",
            "bench",
            "report",
            "--in",
            str(tmp_path / "bench.json"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plots.returncode == 0, plots.stderr[-2000:]
    assert (tmp_path / "cdf-bingx.png").read_bytes()[:4] == b"\x89PNG"
    assert 'src="cdf-bingx.png"' in (tmp_path / "index.html").read_text()


def test_bench_soak_and_shm_smoke(tmp_path: Path) -> None:
    soak = [sys.executable, "-m", "violet", "bench", "soak", "--ticks", "2000", "--adapters", "in_memory,remote_shm"]
    proc = subprocess.run(
        [*soak, "--symbols", "2", "--out", str(tmp_path)], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((tmp_path / "soak.json").read_text())
    assert [r["adapter"] for r in results] == ["in_memory", "remote_shm"]
    assert all(r["ticks"] == 2000 and r["dropped"] == 0 for r in results)
    shm = [sys.executable, "-m", "violet", "bench", "shm", "--duration", "1", "--repeats", "1", "--rate", "200"]
    proc = subprocess.run([*shm, "--out", str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    engines = {r["engine"] for r in json.loads((tmp_path / "shm-engines.json").read_text())}
    assert engines == {"table+wake", "table+spin", "iceoryx2+event", "iceoryx2+spin"}


def test_the_default_bench_run_produces_every_report(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "run", "--symbols", "2", "--rate", "200", "--duration", "1"]
    cmd += ["--repeats", "1", "--soak-ticks", "2000", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "KeyError" not in proc.stderr, "no tracebacks from the shared-memory writers"
    report = json.loads((tmp_path / "bench.json").read_text())
    assert set(report["summary"]) == {
        "bingx-raw (baseline)",
        "bingx-violet",
        "binance-raw (baseline)",
        "binance-nt_binance",
        "binance-remote_shm",
    }
    assert [r["adapter"] for r in json.loads((tmp_path / "soak.json").read_text())] == [
        "in_memory",
        "bingx",
        "remote_shm",
    ]
    assert (tmp_path / "cdf-binance.png").exists() and (tmp_path / "index.html").exists()


def _latency(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "violet", "bench", "latency", *args, "--symbols", "2", "--rate", "200"]
    cmd += ["--duration", "1", "--repeats", "1", "--out", str(tmp_path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def test_bench_peers_over_tls_and_a_peer_that_cannot_run_plain_ws(tmp_path: Path) -> None:
    peers = ("--scenario", "binance-peer-ccxt", "--scenario", "binance-peer-cryptofeed")
    proc = _latency(tmp_path / "wss", "--tls", *peers)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "wss" / "bench.json").read_text())["summary"]
    assert summary["binance-peer-ccxt"]["matched"] > 0
    assert summary["binance-peer-cryptofeed"]["matched"] > 0
    proc = _latency(tmp_path / "ws", "--scenario", "binance-peer-cryptofeed")
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "ws" / "bench.json").read_text())["summary"]
    assert "wss://" in summary["binance-peer-cryptofeed"]["unavailable"]
    assert "| binance-peer-cryptofeed | not measured:" in (tmp_path / "ws" / "bench.md").read_text()
    report = [sys.executable, "-m", "violet", "bench", "report", "--in", str(tmp_path / "ws" / "bench.json")]
    proc = subprocess.run([*report, "--out", str(tmp_path / "ws")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_bench_metrics_reports_the_per_tick_cost() -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "metrics", "--ticks", "100000", "--repeats", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert len(report["observers_ns_per_tick"]["all"]) == 2
    assert report["observers_ns_per_tick"]["median"] > report["noop_calls_ns_per_tick"]["median"] > 0


def test_bench_burst_reports_every_phase(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "burst", "--shards", "2", "--symbols", "4", "--rate", "200"]
    cmd += ["--factor", "5", "--burst-s", "1", "--steady-s", "1", "--after-s", "1", "--repeats", "1"]
    proc = subprocess.run([*cmd, "--out", str(tmp_path)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "burst.json").read_text())
    (run,) = report["runs"]["2"]
    assert {"steady", "burst", "after"} <= set(run)
    assert run["burst"]["sends"] > run["steady"]["sends"], "the burst raised the rate"
    assert set(run["cpu_s"]["burst"]) >= {"feed shard 0", "feed shard 1", "simulator"}
    assert "| 2 shard(s) |" in (tmp_path / "burst.md").read_text()


def test_bench_universe_reports_every_key_per_size_and_plane(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "universe", "--symbols", "5", "--rate", "300"]
    cmd += ["--steady-s", "2", "--wait-s", "60", "--rss-minutes", "0.1", "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = json.loads((tmp_path / "universe.json").read_text())["runs"]
    assert [r["symbols"] for r in runs] == [5]
    for run in runs:
        trend = run["rss_trend"]
        assert set(run["rss_mib"]) <= set(trend), "every process's RSS followed"
        assert trend["reactor"]["samples"] >= 20 and trend["reactor"]["slope_mib_per_hour"] is not None
        assert {"feed shard 0", "reactor", "binance simulator", "bingx simulator"} <= set(run["cpu_cores"])
        assert all(v is not None and v > 0 for v in run["rss_mib"].values())
        for plane in ("alpha", "venue"):
            row = run[plane]
            assert row["symbols"] == run["symbols"], "the universe both simulators list"
            assert row["start_all_fresh_s"] is not None and row["reconnect_all_fresh_s"] is not None
            # The venue sent every asset a quote before violet could deliver the last of them.
            assert 0 < row["start_venue_sent_s"] <= row["start_all_fresh_s"]
            assert 0 < row["reconnect_venue_sent_s"] <= row["reconnect_all_fresh_s"]
            for wait in (row["start_worst_wait"], row["reconnect_worst_wait"]):
                assert str(wait["worst_asset"]).endswith("USDT-PERP"), "one of the universe's assets"
                assert 0 <= wait["worst_wait_s"] < 60
            assert row["floor_s"] >= 0 and row["msgs_per_s"] > 0 and 0 < row["p50_ms"] <= row["p99_ms"]
            # Every send of the window is delivered, conflated (counted), a repeat, or lost. (1-4 of ~600 looked lost
            # before the bench kept reading past the window's end: sends still in flight when it closed.)
            assert row["dropped"] == 0
            assert isinstance(row["refused"], dict)
    assert "| 5 | venue |" in (tmp_path / "universe.md").read_text()


def test_bench_bingx_path_times_every_stage_on_frames_that_all_become_ticks(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "bingx-path", "--frames", "2000", "--repeats", "1"]
    done = subprocess.run([*cmd, "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "bingx_path.json").read_text())
    ns = result["ns_per_frame"]
    assert set(ns) == {"raw", "raw + wake-up", "codec", "adapter", "adapter + read", "adapter + wake-up"}
    assert all(v > 0 for v in ns.values())
    # No comparison of timings here (a shared machine's noise decides those): the report's arithmetic only.
    increments = result["increments_ns"]
    assert abs(increments["tick, checks and hub"] - (ns["adapter"] - ns["codec"])) <= 1, "rounded apart"
    assert abs(increments["wake-up (raw)"] - (ns["raw + wake-up"] - ns["raw"])) <= 1
    assert "violet / raw" in (tmp_path / "bingx_path.md").read_text()


def test_bench_reactor_times_the_decision_and_the_snapshot_at_each_size(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "reactor", "--symbols", "5,20", "--ticks", "2000", "--repeats", "1"]
    done = subprocess.run([*cmd, "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    sizes = json.loads((tmp_path / "reactor_cost.json").read_text())["sizes"]
    assert [s["symbols"] for s in sizes] == [5, 20]
    assert all(s["decide_us_per_tick"] > 0 and s["snapshot_ms"] > 0 for s in sizes)
    assert all(s["rows_with_a_basis"] == s["symbols"] for s in sizes), "fresh quotes on both planes: every basis"
    bad = subprocess.run([*cmd[:5], "--symbols", "5,x"], capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "--symbols" in bad.stderr


def test_bench_record_cycle_records_every_synthetic_tick_and_samples_each_simulated_minute(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "record-cycle", "--hours", "0.05", "--symbols", "5"]
    cmd += ["--rate", "100", "--period-minutes", "2"]
    done = subprocess.run(
        [*cmd, "--new-thread-each", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "record-cycle.json").read_text())
    assert result["simulated_s"] == 180.0, "three simulated minutes, however long they took"
    assert result["recorder"]["flushes"] == 36 + 1, "every 5 simulated seconds, and the last one"
    assert sum(result["recorder"]["recorded"].values()) == 180 * 100, "every tick, the last flush's too"
    assert result["recorder"]["refused"] == {}
    assert result["memory_parts"]["samples"] == 3, "one sample a simulated minute"
    assert result["recorder"]["period_compactions"] >= 1, "three minutes close a two-minute period with files"
    assert "simulated hours" in done.stdout
    assert (tmp_path / "record-cycle.md").read_text() in done.stdout


def test_bench_record_cycle_piles_up_the_ticks_of_each_periods_pause_for_the_next_flush(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "violet", "bench", "record-cycle", "--hours", "0.1", "--symbols", "5"]
    cmd += ["--rate", "100", "--period-minutes", "2", "--hour-pause-s", "20", "--out", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "record-cycle.json").read_text())
    pauses = result["recorder"]["period_compactions"]
    assert pauses >= 1, "six simulated minutes close at least one two-minute period"
    assert result["simulated_s"] == 360.0 + 20.0 * pauses
    assert sum(result["recorder"]["recorded"].values()) == 100 * (360 + 20 * pauses), "the pauses' ticks too"
