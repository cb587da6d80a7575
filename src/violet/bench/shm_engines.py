"""The single-host bridge, engine against engine: violet's seqlock table (`multiprocessing.shared_memory`) with
datagram wake-ups or with a spinning reader, against iceoryx2 0.10's Blackboard (latest value per key) with Event
notifications, on the same update stream.

A writer process publishes `rate` updates a second round-robin over `assets` keys; the reader (this process)
measures writer publish -> value in the consumer's hands on CLOCK_MONOTONIC (system-wide on Linux). The reader
side of the event-driven engines hands each value to an asyncio (uvloop) callback, as the remote adapter does; the
spinning engines read on a dedicated thread and report there (that is what a spin option buys).
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from hdrh.histogram import HdrHistogram

from violet.app.event_loop import run_on_uvloop
from violet.bench.markdown_table import median_us, table

ENGINES = ("table+wake", "table+spin", "iceoryx2+event", "iceoryx2+spin")


class _Value(ctypes.Structure):
    _fields_ = [
        ("seq", ctypes.c_uint64),
        ("publish_mono_ns", ctypes.c_int64),
        ("ts_event", ctypes.c_int64),
        ("bid", ctypes.c_char * 24),
        ("ask", ctypes.c_char * 24),
    ]

    @staticmethod
    def type_name() -> str:
        return "VioletBenchQuote"


def _asset(i: int) -> str:
    return f"A{i:02d}USDT-PERP"


# -- writer process -----------------------------------------------------------------------------------------
def _pace(rate: float, duration: float, assets: int, publish: Callable[[int, int], None]) -> int:
    interval, start, n = 1.0 / rate, time.perf_counter(), 0
    while (now := time.perf_counter()) - start < duration:
        due = start + n * interval
        if due > now:
            time.sleep(due - now)
        publish(n % assets, n)
        n += 1
    return n


def _write_table(name: str, assets: int, rate: float, duration: float, ready: Any) -> None:
    from violet.bridges.record import quote_now
    from violet.bridges.shm_table import ShmTableWriter

    writer = ShmTableWriter(name, [_asset(i) for i in range(assets)])
    writer.heartbeat()
    ready.set()
    time.sleep(0.5)

    def publish(i: int, n: int) -> None:
        q = f"{60000 + n % 100}"
        writer.write(quote_now(_asset(i), f"{q}.1", f"{q}.2"))
        writer.wake()

    try:
        _pace(rate, duration, assets, publish)
        time.sleep(0.3)
    finally:
        writer.close()


def _write_iceoryx2(name: str, assets: int, rate: float, duration: float, ready: Any) -> None:
    import iceoryx2 as iox2

    node = iox2.NodeBuilder.new().create(iox2.ServiceType.Ipc)
    builder = node.service_builder(iox2.ServiceName.new(f"violet/{name}")).blackboard_creator(ctypes.c_uint64)
    for i in range(assets):
        builder = builder.add(ctypes.c_uint64(i), _Value())
    board = builder.create()
    writer = board.writer_builder().create()
    entries = [writer.entry(ctypes.c_uint64(i), _Value) for i in range(assets)]
    event = node.service_builder(iox2.ServiceName.new(f"violet/{name}/wake")).event().open_or_create()
    notifier = event.notifier_builder().create()
    ready.set()
    time.sleep(0.5)

    def publish(i: int, n: int) -> None:
        value = _Value(n, time.monotonic_ns(), n, f"{60000 + n % 100}.1".encode(), f"{60000 + n % 100}.2".encode())
        entries[i].update_with_copy(value)
        notifier.notify_with_custom_event_id(iox2.EventId.new(i))

    _pace(rate, duration, assets, publish)
    time.sleep(0.3)


# -- reader side ---------------------------------------------------------------------------------------------
class _Recorder:
    def __init__(self) -> None:
        self.hist = HdrHistogram(1, 60_000_000_000, 3)
        self.values = 0

    def record(self, publish_mono_ns: int) -> None:
        self.hist.record_value(max(1, time.monotonic_ns() - publish_mono_ns))
        self.values += 1


def _open_table(name: str) -> Any:
    from violet.bridges.shm_table import ShmTableReader

    deadline = time.monotonic() + 10
    while True:
        try:
            return ShmTableReader(name, skip_existing=False)
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


async def _read_table_wake(name: str, rec: _Recorder, stop: threading.Event) -> None:
    import anyio

    from violet.bridges.shm_wake import WakeSocket

    reader = _open_table(name)
    wake = WakeSocket(name)
    try:
        while not stop.is_set():
            with anyio.move_on_after(0.05):
                await anyio.wait_readable(wake.sock)
            wake.drain()
            for value, _ in reader.changed():
                rec.record(value.published_ns)
    finally:
        wake.close()
        reader.close()


def _read_table_spin(name: str, rec: _Recorder, stop: threading.Event) -> None:
    reader = _open_table(name)
    try:
        while not stop.is_set():
            for value, _ in reader.changed():
                rec.record(value.published_ns)
    finally:
        reader.close()


def _iceoryx2_reader(name: str, assets: int) -> tuple[Any, list[Any], Any]:
    import iceoryx2 as iox2

    node = iox2.NodeBuilder.new().create(iox2.ServiceType.Ipc)
    deadline = time.monotonic() + 10
    while True:
        try:
            board = (
                node.service_builder(iox2.ServiceName.new(f"violet/{name}")).blackboard_opener(ctypes.c_uint64).open()
            )
            break
        except iox2.BlackboardOpenError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    reader = board.reader_builder().create()
    entries = [reader.entry(ctypes.c_uint64(i), _Value) for i in range(assets)]
    event = node.service_builder(iox2.ServiceName.new(f"violet/{name}/wake")).event().open_or_create()
    return node, entries, event.listener_builder().create()


def _read_iceoryx2_event(
    name: str, assets: int, hand_off: Callable[[int], None], stop: threading.Event, ready: threading.Event
) -> None:
    import iceoryx2 as iox2

    _node, entries, listener = _iceoryx2_reader(name, assets)
    ready.set()
    timeout = iox2.Duration.from_millis(50)
    while not stop.is_set():
        for activation in listener.timed_wait(timeout):
            value = entries[activation.id.as_value].get().decode_as(_Value)
            hand_off(value.publish_mono_ns)


def _read_iceoryx2_spin(name: str, assets: int, rec: _Recorder, stop: threading.Event) -> None:
    _node, entries, listener = _iceoryx2_reader(name, assets)
    while not stop.is_set():
        for activation in listener.try_wait():
            rec.record(entries[activation.id.as_value].get().decode_as(_Value).publish_mono_ns)


async def _measure_async(engine: str, name: str, assets: int, rec: _Recorder, stop: threading.Event) -> None:
    import anyio
    import anyio.to_thread

    if engine == "table+wake":
        await _read_table_wake(name, rec, stop)
        return
    loop = asyncio.get_running_loop()
    ready = threading.Event()

    def hand_off(publish_mono_ns: int) -> None:
        loop.call_soon_threadsafe(rec.record, publish_mono_ns)

    await anyio.to_thread.run_sync(_read_iceoryx2_event, name, assets, hand_off, stop, ready)


def measure(engine: str, *, assets: int, rate: float, duration: float) -> dict[str, Any]:

    name = f"bench{secrets.token_hex(3)}"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    target = _write_table if engine.startswith("table") else _write_iceoryx2
    writer = ctx.Process(target=target, args=(name, assets, rate, duration, ready))
    writer.start()
    rec = _Recorder()
    stop = threading.Event()
    try:
        ready.wait(30)

        def stopper() -> None:
            writer.join(duration + 60)
            stop.set()

        threading.Thread(target=stopper, daemon=True).start()
        if engine.endswith("spin"):
            spin = _read_table_spin if engine == "table+spin" else None
            if spin is not None:
                spin(name, rec, stop)
            else:
                _read_iceoryx2_spin(name, assets, rec, stop)
        else:
            run_on_uvloop(_measure_async, engine, name, assets, rec, stop)
    finally:
        writer.join(10)
    q = rec.hist.get_value_at_percentile
    return {
        "engine": engine,
        "rate": rate,
        "assets": assets,
        "values": rec.values,
        "p50_us": q(50) / 1e3,
        "p90_us": q(90) / 1e3,
        "p99_us": q(99) / 1e3,
        "p999_us": q(99.9) / 1e3,
        "max_us": rec.hist.get_max_value() / 1e3,
    }


def compare(
    *, assets: int, rate: float, duration: float, repeats: int, engines: tuple[str, ...] = ENGINES
) -> list[dict[str, Any]]:
    return [measure(e, assets=assets, rate=rate, duration=duration) for _ in range(repeats) for e in engines]


def markdown(runs: list[dict[str, Any]]) -> str:
    import statistics

    groups: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(run["engine"], []).append(run)
    first = runs[0]
    intro = (
        f"writer process -> reader, {first['rate']:g} updates/s over {first['assets']} keys, medians of "
        f"{len(next(iter(groups.values())))} repeats"
    )
    header = "engine | p50 us | p90 us | p99 us | p99.9 us | max us | values read"
    rows = [[engine, *median_us(rs), int(statistics.median(r["values"] for r in rs))] for engine, rs in groups.items()]
    return "\n".join([intro, "", *table(header, rows)]) + "\n"
