"""IMap (latest value per key, entry listener) against ReliableTopic (ordered ringbuffer stream) on a real
Hazelcast member: publish -> listener latency and loss, same payload, same rate, in one run.

Publisher and consumer are separate Hazelcast clients (each with its own reactor thread); the publisher paces
itself on a thread, as the feed process's writes are fire-and-forget. Latency is wall clock on one host. Loss is
counted from per-key update counters (a gap that no later event fills).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from violet.bench.markdown_table import median_us, table
from violet.bridges.hz_payload import decode, encode
from violet.bridges.record import BridgeRecord

TRANSPORTS = ("imap", "reliable_topic")
_SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "hazelcast-member"


_RUNNING: list[tuple[str, tuple[str, ...], int]] = []
"""(cluster, members, pid) of the member this process started and still runs; nested `hz_member()` calls reuse it."""


def member_pids() -> list[int]:
    """Pids of the members this process started, for the benches' CPU accounting."""
    return [pid for _, _, pid in _RUNNING]


@contextmanager
def hz_member() -> Iterator[tuple[str, tuple[str, ...]]]:
    """(cluster name, members): VIOLET_HZ_MEMBERS/VIOLET_HZ_CLUSTER if set, else a member started for the run.

    Reentrant: a bench enters it once around all its repeats, so every repeat meets the same warm member (a
    production member runs for weeks; a fresh JVM's first seconds are JIT compilation, not the bridge)."""
    external = os.environ.get("VIOLET_HZ_MEMBERS")
    if external:
        yield os.environ.get("VIOLET_HZ_CLUSTER", "dev"), tuple(external.split(","))
        return
    if _RUNNING:
        yield _RUNNING[-1][:2]
        return
    if not _SCRIPT.exists():
        raise RuntimeError("no Hazelcast member: set VIOLET_HZ_MEMBERS, or run from a checkout with scripts/")
    cluster = f"violet-bench-{os.getpid()}"
    start = [str(_SCRIPT), "start", "0", cluster]
    out = subprocess.run(start, capture_output=True, text=True, timeout=180, check=True)  # noqa: S603 - our script
    pid, port = out.stdout.split()
    from violet.bench.sim_process import unpin

    unpin(int(pid))
    _RUNNING.append((cluster, (f"127.0.0.1:{port}",), int(pid)))
    try:
        yield _RUNNING[-1][:2]
    finally:
        *_, running = _RUNNING.pop()  # restart_member() may have replaced the process
        subprocess.run([str(_SCRIPT), "stop", str(running)], timeout=60, check=False)  # noqa: S603 - our script


def restart_member() -> None:
    """Stop the member `hz_member()` started and start a new one on the same port and cluster (blocking, until it
    accepts clients): the chaos run's member restart. Its data is gone, as after a real single-member restart."""
    if not _RUNNING:
        raise RuntimeError("no member started by this process to restart")
    cluster, members, pid = _RUNNING[-1]
    port = members[0].rpartition(":")[2]
    subprocess.run([str(_SCRIPT), "stop", str(pid)], timeout=60, check=False)  # noqa: S603 - our script
    start = [str(_SCRIPT), "start", port, cluster]
    out = subprocess.run(start, capture_output=True, text=True, timeout=180, check=True)  # noqa: S603 - our script
    from violet.bench.sim_process import unpin

    new_pid = int(out.stdout.split()[0])
    unpin(new_pid)
    _RUNNING[-1] = (cluster, members, new_pid)


def _client(cluster: str, members: tuple[str, ...]) -> Any:
    from violet.bridges import hz_client

    return hz_client.connect(cluster=cluster, members=members)


class _Receiver:
    def __init__(self, assets: list[str]) -> None:
        self.latency = HdrHistogram(1, 60_000_000_000, 3)
        self.highest = dict.fromkeys(assets, 0)
        self.seen: dict[str, set[int]] = {a: set() for a in assets}
        self.received = 0
        self.record_after_wall = 0
        """Latency is recorded for payloads published after this (the warm-up is left out)."""
        self.lock = threading.Lock()

    def on_value(self, key: str, raw: Any) -> None:
        now = time.time_ns()
        p = decode(raw).records[-1]
        with self.lock:
            if p.published_ns >= self.record_after_wall:
                self.latency.record_value(max(1, now - p.published_ns))
            self.received += 1
            self.seen[key].add(p.updates)


def _payload(asset: str, n: int) -> bytearray:
    bid, ask = f"{60000 + n % 100}.1", f"{60000 + n % 100}.2"
    record = BridgeRecord(
        asset=asset,
        kind="quote",
        venue="binance",
        bid=bid,
        ask=ask,
        ts_event=0,
        received_ns=0,
        published_ns=time.time_ns(),
        updates=n,
    )
    return encode(1, (record,))


def _publish(
    transport: str,
    tag: str,
    cluster: str,
    members: tuple[str, ...],
    names: list[str],
    rate: float,
    duration: float,
    counts: Any,
) -> None:
    """In its own process, as the feed is: paced fire-and-forget writes, as `HzPublisher` does."""
    client = _client(cluster, members)
    try:
        if transport == "imap":
            target = client.get_map(tag)

            def send(asset: str, n: int) -> None:
                target.set(asset, _payload(asset, n))
        else:
            topic = client.get_reliable_topic(tag)

            def send(asset: str, n: int) -> None:
                topic.publish(_payload(asset, n))

        published = dict.fromkeys(names, 0)
        interval = 1.0 / rate
        start = time.perf_counter()
        i = 0
        while (now := time.perf_counter()) - start < duration:
            due = start + i * interval
            if due > now:
                time.sleep(due - now)
            asset = names[i % len(names)]
            published[asset] += 1
            send(asset, published[asset])
            i += 1
        time.sleep(0.5)  # let the client's thread flush
        counts.update(published)
    finally:
        client.shutdown()


def measure(
    transport: str, cluster: str, members: tuple[str, ...], *, assets: int, rate: float, duration: float, warmup: float
) -> dict[str, Any]:
    import multiprocessing

    names = [f"A{i:02d}USDT-PERP" for i in range(assets)]
    recv = _Receiver(names)
    tag = f"violet-bench-{transport}-{time.time_ns()}"
    sub_client = _client(cluster, members)
    ctx = multiprocessing.get_context("spawn")
    try:
        if transport == "imap":
            sub_map = sub_client.get_map(tag).blocking()
            sub_map.add_entry_listener(
                include_value=True,
                added_func=lambda e: recv.on_value(e.key, e.value),
                updated_func=lambda e: recv.on_value(e.key, e.value),
            )
        else:
            sub_topic = sub_client.get_reliable_topic(tag).blocking()
            sub_topic.add_listener(lambda m: recv.on_value(decode(m.message).asset, m.message))
        recv.record_after_wall = time.time_ns() + int(warmup * 1e9)
        with ctx.Manager() as manager:
            counts = manager.dict()
            proc = ctx.Process(
                target=_publish, args=(transport, tag, cluster, members, names, rate, warmup + duration, counts)
            )
            proc.start()
            proc.join(warmup + duration + 60)
            published = dict(counts)
        time.sleep(0.5)  # in-flight events
        total = sum(published.values())
        lost = sum(len(set(range(1, published.get(a, 0) + 1)) - recv.seen[a]) for a in names)
        q = recv.latency.get_value_at_percentile
        return {
            "transport": transport,
            "rate": rate,
            "assets": assets,
            "published": total,
            "received": recv.received,
            "lost": lost,
            "p50_us": q(50) / 1e3,
            "p90_us": q(90) / 1e3,
            "p99_us": q(99) / 1e3,
            "p999_us": q(99.9) / 1e3,
            "max_us": recv.latency.get_max_value() / 1e3,
        }
    finally:
        sub_client.shutdown()


def markdown(report: dict[str, Any]) -> str:
    """Medians of repeats per (rate, transport)."""

    groups: dict[tuple[float, str], list[dict[str, Any]]] = {}
    for run in report["runs"]:
        groups.setdefault((run["rate"], run["transport"]), []).append(run)
    header = "msgs/s | transport | p50 us | p90 us | p99 us | p99.9 us | max us | published | lost"
    rows = [
        [
            f"{rate:g}",
            transport,
            *median_us(runs),
            sum(r["published"] for r in runs),
            sum(r["lost"] for r in runs),
        ]
        for (rate, transport), runs in sorted(groups.items())
    ]
    intro = "publish -> listener on a real member, separate publisher process, medians of repeats"
    return "\n".join([intro, "", *table(header, rows)]) + "\n"


def compare(*, assets: int, rates: list[float], duration: float, repeats: int, warmup: float = 2.0) -> dict[str, Any]:
    with hz_member() as (cluster, members):
        runs = [
            measure(transport, cluster, members, assets=assets, rate=rate, duration=duration, warmup=warmup)
            for _ in range(repeats)
            for rate in rates
            for transport in TRANSPORTS
        ]
    from violet.bench.latency_report import machine

    return {"machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": runs}
