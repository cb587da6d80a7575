"""`pip install violet` with no extras is enough to read planes: the wheel is built, installed into a fresh venv
without NautilusTrader, Hazelcast, the simulators or the benches, and a reactor there reads both planes from shared
memory that this (full) install writes. Asking that install for a part it lacks names the extra to install."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from violet.bridges.record import quote_now
from violet.bridges.shm_table import ShmTableWriter

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"
ASSET = "BTCUSDT-PERP"

READER = """
import sys
import anyio
import violet
from violet.domain import TickKind

async def main() -> None:
    async with violet.open_planes(sys.argv[1]) as planes:
        for _ in range(1000):
            alpha = planes.alpha.latest("BTCUSDT-PERP", kind=TickKind.QUOTE)
            venue = planes.venue.latest("BTCUSDT-PERP", kind=TickKind.QUOTE)
            if alpha.fresh and venue.fresh:
                print("fresh", alpha.tick.bid, venue.tick.bid)
                return
            await anyio.sleep(0.02)
    sys.exit("never fresh")

anyio.run(main)
"""

MISSING = """
from violet.composition import build_app
from violet.config import load_config
from violet.extras import MissingExtra
try:
    build_app(load_config(__import__("pathlib").Path(__import__("sys").argv[1])))
except MissingExtra as exc:
    print(exc)
"""


@pytest.fixture(scope="module")
def core_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("core")
    subprocess.run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", str(tmp / "dist"), str(ROOT)], check=True, timeout=300
    )
    (wheel,) = (tmp / "dist").glob("violet-*.whl")
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    install = [str(UV), "pip", "install", "--quiet", "--python", str(python), "-c", str(ROOT / "constraints.txt")]
    install.append(str(wheel))
    subprocess.run(install, check=True, timeout=300)
    return python


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[str]:
    prefix = f"core{int(time.time() * 1000) % 100_000}"
    tables = [ShmTableWriter(f"{prefix}-{plane}", [ASSET]) for plane in ("alpha", "venue")]
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.wait(0.02):
            n += 1
            for table in tables:
                table.write(quote_now(ASSET, f"{100 + n % 9}.1", f"{100 + n % 9}.2"))
                table.heartbeat()
                table.wake()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield prefix
    finally:
        stop.set()
        thread.join()
        for table in tables:
            table.close()


def test_a_core_install_has_none_of_the_extras(core_python: Path) -> None:
    for module in ("nautilus_trader", "hazelcast", "picows", "trustme", "psutil"):
        found = subprocess.run(
            [
                core_python,
                "-c",
                f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is not None)",
            ],
            check=False,
        )
        assert found.returncode == 0, f"{module} came with the core install"


def test_a_core_install_reads_both_planes_from_shared_memory(core_python: Path, writers: str, tmp_path: Path) -> None:
    config = tmp_path / "reactor.toml"
    config.write_text(
        f'[alpha]\nadapter = "remote_shm"\nassets = ["{ASSET}"]\n'
        f'[venue]\nadapter = "remote_shm"\nassets = ["{ASSET}"]\n'
        f'[bridge]\nshm_prefix = "{writers}"\n[feed]\nspawn = false\n'
    )
    done = subprocess.run([core_python, "-c", READER, config], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("fresh ")


def test_a_part_the_core_install_lacks_names_its_extra(core_python: Path, tmp_path: Path) -> None:
    config = tmp_path / "bingx.toml"
    config.write_text(f'[alpha]\nadapter = "remote_shm"\nassets = ["{ASSET}"]\n[venue]\nadapter = "bingx"\n')
    done = subprocess.run([core_python, "-c", MISSING, config], capture_output=True, text=True, timeout=120)
    assert "needs violet's `bingx` extra" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "pip install 'violet[bingx]'" in done.stdout
