"""Shared fields outside the seqlock are read whole while another process writes them as fast as it can.

`struct.pack_into` zero-fills its target before writing it, so a reader could see a heartbeat of 0 (a live feed
reported dead: the burst bench's false outages) or a ring entry of 0; violet writes those fields as single words.
The writer below alternates ETH (odd write orders) and BTC (even ones), and the ring is an even number of entries
long, so every ring entry has one right value by its position: a zero-filled entry at an odd position (ETH's slot
is not 0) is a torn read.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time

from violet.bridges.shm_layout import RING_HEAD_OFFSET, RING_SLOTS
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
            zeros = backwards = reads = changes = torn_entries = entries = 0
            last = reader.heartbeat_ns()
            btc, eth = reader.keys.index(("BTCUSDT-PERP", "quote")), reader.keys.index(("ETHUSDT-PERP", "quote"))
            assert RING_SLOTS % 2 == 0 and eth != 0
            end = time.monotonic() + 2.5
            while time.monotonic() < end:
                beat = reader.heartbeat_ns()
                reads += 1
                if beat == 0:
                    zeros += 1
                elif beat < last:
                    backwards += 1
                last = max(last, beat)
                for _ in range(200):  # the entry the writer stores next, read while it stores it
                    order = reader._words.get64(RING_HEAD_OFFSET)
                    entry = reader._words.get32(reader._ring + (order % RING_SLOTS) * 4)
                    if order > RING_SLOTS:  # every position written once: each holds its parity's slot
                        entries += 1
                        torn_entries += entry != (eth if order % 2 else btc)
                changes += sum(1 for _ in reader.changed())
            assert reads > 1_000 and changes > 100 and entries > 10_000, "both sides were busy"
            assert torn_entries == 0, f"a ring entry read half written {torn_entries} times in {entries}"
            assert zeros == 0, f"a heartbeat of 0 read {zeros} times in {reads}"
            assert backwards == 0, f"a heartbeat read older than one read before it {backwards} times"
            assert reader.corrupt == 0
        finally:
            reader.close()
    finally:
        if writer.stdin is not None:
            writer.stdin.close()
        writer.wait(timeout=30)
