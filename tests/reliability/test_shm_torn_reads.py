"""Shared fields outside the seqlock are read whole while another process writes them as fast as it can.

`struct.pack_into` zero-fills its target before writing it, so a reader could see a heartbeat of 0 (a live feed
reported dead: the burst bench's false outages) or a ring entry of 0; violet writes those fields as single words.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time

from violet.bridges.shm_table import ShmTableReader

WRITER = """
import sys, time
from violet.bridges.record import quote_now
from violet.bridges.shm_table import ShmTableWriter
w = ShmTableWriter(sys.argv[1], ["BTCUSDT-PERP", "ETHUSDT-PERP"])
w.heartbeat()
print("ready", flush=True)
end = time.monotonic() + float(sys.argv[2])
n = 0
while time.monotonic() < end:
    n += 1
    w.write(quote_now("ETHUSDT-PERP" if n % 2 else "BTCUSDT-PERP", f"{100 + n % 50}.1", f"{100 + n % 50}.2"))
    w.heartbeat()
sys.stdin.read()
w.close()
"""


def test_heartbeat_and_ring_are_never_seen_half_written() -> None:
    bridge = f"tr{secrets.token_hex(3)}"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, bridge, "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        reader = ShmTableReader(bridge, skip_existing=False)
        try:
            zeros = backwards = reads = changes = 0
            last = reader.heartbeat_ns()
            end = time.monotonic() + 2.5
            while time.monotonic() < end:
                beat = reader.heartbeat_ns()
                reads += 1
                if beat == 0:
                    zeros += 1
                elif beat < last:
                    backwards += 1
                last = max(last, beat)
                changes += sum(1 for _ in reader.changed())
            assert reads > 10_000 and changes > 100, "both sides were busy"
            assert zeros == 0, f"a heartbeat of 0 read {zeros} times in {reads}"
            assert backwards == 0, f"a heartbeat read older than one read before it {backwards} times"
            assert reader.corrupt == 0
        finally:
            reader.close()
    finally:
        if writer.stdin is not None:
            writer.stdin.close()
        writer.wait(timeout=30)
