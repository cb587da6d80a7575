"""`violet bench chaos`: the whole system run as a user runs it, faults injected on a seeded schedule, judged by the
oracle (oracle.py) from what the venues sent and what the reactor read.

Both simulators run as processes on the live profile; the alpha plane comes from sharded `violet feed` processes
behind the shared-memory bridge, the BingX plane is in-process; the reactor is this process, through
`violet.open_planes`. The injector applies each planned fault (schedule.py) through the simulators' control API and
POSIX signals, and records its window as the venue side saw it: a fault heals when the venue again serves every topic
it served before (sockets back and subscribed), which no violet counter decides.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import anyio.to_thread
import attrs
import msgspec
import psutil

from violet.api import Planes
from violet.bench.sim_process import SimProcess, sim_get, sim_post, start_sim, stop_sim
from violet.chaos.oracle import MS, FaultWindow, S, Sample, Sent, Stream
from violet.chaos.schedule import FaultKind, PlannedFault, skew_ms
from violet.config import BinanceConfig, BingxConfig, BridgeConfig, FeedConfig, PlaneConfig, VioletConfig
from violet.config.shards import deal
from violet.domain import TickKind, format_price
from violet.ports import PlaneHealth, RejectionReasons, VenuePriceFeedPort

PLANE_OF = {"binance": "alpha", "bingx": "venue"}
QUOTE_CHANNELS = ("bookTicker", "incrDepth", "depth")
BURST_EVENTS = 5_000
BURST_WINDOW_S = 3.0
HEAL_TIMEOUT_S = 90.0
SKEW_MARGIN_NS = 1 * S
MEMBER = "hazelcast member"


def asset_of(venue: str, symbol: str) -> str:
    return f"{symbol.replace('-', '').upper()}-PERP"


def stream_of_topic(venue: str, topic: str) -> Stream | None:
    symbol, _, channel = topic.partition("@")
    if channel.startswith(QUOTE_CHANNELS):
        kind = "quote"
    elif channel in ("trade", "aggTrade"):
        kind = "trade"
    else:
        return None
    return (PLANE_OF[venue], asset_of(venue, symbol), kind)


class Spool:
    """Rows written to a file as they come and read back for the verdict: an hour's samples and venue frames (millions)
    kept in this process's memory would make its own RSS, which the run judges, a measure of the bookkeeping."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("ab")
        self._enc = msgspec.json.Encoder()

    def add(self, row: tuple[Any, ...]) -> None:
        self._file.write(self._enc.encode(row) + b"\n")

    def rows(self) -> Iterator[list[Any]]:
        if not self._file.closed:
            self._file.flush()
        with self.path.open("rb") as f:
            for line in f:
                yield msgspec.json.decode(line)

    def close(self) -> None:
        self._file.close()


def sample_row(s: Sample) -> tuple[Any, ...]:
    return (*s.stream, s.at_ns, s.fresh, s.verdict, s.budget_ns, s.ts_ms, s.prices)


def sample_of(row: list[Any]) -> Sample:
    plane, asset, kind, at, fresh, verdict, budget, ts_ms, prices = row
    return Sample((plane, asset, kind), at, fresh, verdict, budget, ts_ms=ts_ms, prices=prices)


def sent_of(row: list[Any]) -> Sent:
    plane, asset, kind, ts_ms, prices, send_ns = row
    return Sent((plane, asset, kind), ts_ms, prices, send_ns)


@attrs.define
class Record:
    """What a run collects for the oracle and the report."""

    sent: Spool
    samples: Spool
    outages: Spool
    """(monotonic ns, plane, carrier outages counted since the last look) as violet reported them."""
    rejections: Spool
    """(monotonic ns, plane, reason, venue data refused since the last look) as the reactor's planes reported them."""
    timeline: Spool
    """(seconds, alpha streams fresh, venue streams fresh, alpha and venue venue->reactor p99 ms), once a second.

    These three grow with the run's length, so they are spooled like the samples: held in this process (the
    reactor the run measures), an hour of them is ~1 MiB that its RSS slope would count as violet's."""
    windows: list[FaultWindow] = attrs.field(factory=list)
    injected: list[dict[str, Any]] = attrs.field(factory=list)

    @classmethod
    def in_dir(cls, spool: Path) -> Record:
        return cls(
            sent=Spool(spool / "sent.jsonl"),
            samples=Spool(spool / "samples.jsonl"),
            outages=Spool(spool / "outages.jsonl"),
            rejections=Spool(spool / "rejections.jsonl"),
            timeline=Spool(spool / "timeline.jsonl"),
        )

    def close(self) -> None:
        for spool in (self.sent, self.samples, self.outages, self.rejections, self.timeline):
            spool.close()


class Injector:
    def __init__(
        self, planes: Planes, sims: dict[str, SimProcess], slices: tuple[tuple[str, ...], ...], spool: Path
    ) -> None:
        self.planes = planes
        self.sims = sims
        self.slices = slices
        self.record = Record.in_dir(spool)
        self.http: aiohttp.ClientSession | None = None
        self.restart_member: Callable[[], None] | None = None
        """With the Hazelcast bridge: restart its member (blocking, run in a worker thread)."""

    async def _post(self, venue: str, path: str, body: dict[str, Any]) -> Any:
        assert self.http is not None
        async with self.http.post(f"{self.sims[venue].info['http']}{path}", json=body) as r:
            return msgspec.json.decode(await r.read())

    async def _connections(self, venue: str) -> list[dict[str, Any]]:
        conns: list[dict[str, Any]] = await sim_get(self.sims[venue], "/__sim/connections")
        return [c for c in conns if any(stream_of_topic(venue, t) for t in c["topics"])]

    async def _served(self, venue: str) -> set[str]:
        return {t for c in await self._connections(venue) for t in c["topics"]}

    async def _healed(self, venue: str, topics: set[str]) -> int:
        """When the venue again serves every topic in `topics` (monotonic ns)."""
        with anyio.move_on_after(HEAL_TIMEOUT_S):
            while not topics <= await self._served(venue):  # noqa: ASYNC110 - another process's state, polled
                await anyio.sleep(0.05)
        return time.monotonic_ns()

    def _window(self, fault: PlannedFault, start: int, end: int, streams: Iterable[Stream] = ()) -> None:
        plane = PLANE_OF[fault.venue]
        window = FaultWindow(fault.kind.value, plane, start, end, frozenset(streams))
        self.record.windows.append(window)
        self.record.injected.append(
            {
                "at_s": fault.at_s,
                "kind": fault.kind.value,
                "venue": fault.venue,
                "planned_s": fault.duration_s,
                "start_ns": start,
                "healed_after_s": round((end - start) / S, 3),
                "streams": len(window.streams) or "all",
            }
        )

    async def inject(self, fault: PlannedFault) -> None:
        venue, kind = fault.venue, fault.kind
        before = await self._served(venue)
        if kind in (FaultKind.SOCKET_CLOSE, FaultKind.SOCKET_RESET, FaultKind.SOCKET_STALL):
            conns = await self._connections(venue)
            if not conns:
                return
            conn = conns[fault.pick % len(conns)]
            streams = [s for t in conn["topics"] if (s := stream_of_topic(venue, t)) is not None]
            start = time.monotonic_ns()
            spec = {FaultKind.SOCKET_CLOSE: "close:1011", FaultKind.SOCKET_RESET: "reset"}.get(kind, "stall")
            await self._post(venue, "/__sim/fault", {"fault": spec, "conn": conn["id"]})
            if kind is FaultKind.SOCKET_STALL:
                await anyio.sleep(fault.duration_s)
                await self._post(venue, "/__sim/fault", {"fault": "resume", "conn": conn["id"]})
            self._window(fault, start, await self._healed(venue, before), streams)
        elif kind is FaultKind.CHANNEL_SILENCE:
            channels = ("bookTicker", "aggTrade") if venue == "binance" else ("incrDepth", "trade")
            channel = channels[fault.pick % 2]
            start = time.monotonic_ns()
            await self._post(venue, "/__sim/fault", {"fault": f"silence:{channel}:{int(fault.duration_s * 1000)}"})
            streams = [s for t in before if (s := stream_of_topic(venue, t)) and t.partition("@")[2] == channel]
            self._window(fault, start, start + int(fault.duration_s * S), streams)
        elif kind is FaultKind.VENUE_DOWN:
            start = time.monotonic_ns()
            await self._post(venue, "/__sim/accepting", {"accepting": False})
            await self._post(venue, "/__sim/fault", {"fault": "close:1001"})
            await anyio.sleep(fault.duration_s)
            await self._post(venue, "/__sim/accepting", {"accepting": True})
            self._window(fault, start, await self._healed(venue, before))
        elif kind in (FaultKind.SHARD_KILL, FaultKind.SHARD_STOP):
            shard = fault.pick % len(self.slices)
            pid = self.planes.child_pids().get(f"violet feed shard {shard}")
            if pid is None:
                return
            streams = [("alpha", a, k) for a in self.slices[shard] for k in ("quote", "trade")]
            start = time.monotonic_ns()
            if kind is FaultKind.SHARD_KILL:
                _signal(pid, signal.SIGKILL)
                with anyio.move_on_after(HEAL_TIMEOUT_S):
                    while self.planes.child_pids().get(f"violet feed shard {shard}") in (None, pid):  # noqa: ASYNC110
                        await anyio.sleep(0.05)  # the supervisor's restart, polled
            else:
                _signal(pid, signal.SIGSTOP)
                try:
                    await anyio.sleep(fault.duration_s)
                finally:
                    _signal(pid, signal.SIGCONT)  # a kill that overlapped this stop may have ended it meanwhile
            self._window(fault, start, await self._healed(venue, before), streams)
        elif kind is FaultKind.BURST:
            start = time.monotonic_ns()
            await self._post(venue, "/__sim/fault", {"fault": f"burst:{BURST_EVENTS}"})
            self._window(fault, start, time.monotonic_ns() + int(BURST_WINDOW_S * S))
        elif kind is FaultKind.REFUSED_RESUBSCRIBE:
            await self._refused_resubscribe(fault, before)
        elif kind is FaultKind.CLOCK_SKEW:
            ms = skew_ms(fault.pick)
            start = time.monotonic_ns()
            await self._post(venue, "/__sim/fault", {"fault": f"skew:{ms}:{fault.duration_s}"})
            await anyio.sleep(fault.duration_s)
            # Stepping back from ahead, the venue stamps events older than those it sent just before: they are
            # out of order until its clock passes the last of them again.
            self._window(fault, start, time.monotonic_ns() + abs(ms) * MS + SKEW_MARGIN_NS)
        elif kind is FaultKind.MEMBER_RESTART:
            if self.restart_member is None:
                return
            start = time.monotonic_ns()
            await anyio.to_thread.run_sync(self.restart_member)  # returns once the new member accepts clients
            self._window(fault, start, time.monotonic_ns())

    async def _refused_resubscribe(self, fault: PlannedFault, before: set[str]) -> None:
        """Pause one contract of a socket, then close that socket: it comes back, asks for its topics again, and the
        paused contract's are refused until the pause ends and violet asks again."""
        venue = fault.venue
        conns = await self._connections(venue)
        if not conns:
            return
        conn = conns[fault.pick % len(conns)]
        topics = [t for t in conn["topics"] if stream_of_topic(venue, t) is not None]
        symbol = topics[(fault.pick >> 8) % len(topics)].partition("@")[0]
        streams = [s for t in topics if (s := stream_of_topic(venue, t)) is not None]
        start = time.monotonic_ns()
        await self._post(venue, "/__sim/fault", {"fault": f"pause:{symbol}:{fault.duration_s}"})
        await self._post(venue, "/__sim/fault", {"fault": "close:1011", "conn": conn["id"]})
        self._window(fault, start, await self._healed(venue, before), streams)

    async def drain_send_logs(self) -> None:
        for venue, sim in self.sims.items():
            plane = PLANE_OF[venue]
            for symbol, kind, ts_ms, prices, send_ns in await sim_post(sim, "/__sim/sendlog"):
                self.record.sent.add((plane, asset_of(venue, symbol), kind, ts_ms, prices, send_ns))


def _signal(pid: int, sig: signal.Signals) -> None:
    """Faults overlap: the shard a stop holds may be killed (and restarted) by another fault meanwhile."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def read(plane: str, feed: VenuePriceFeedPort, asset: str, kind: TickKind, now: int) -> Sample:
    reading = feed.latest(asset, kind=kind)
    tick = reading.tick
    prices = None
    if tick is not None:
        if kind is TickKind.QUOTE and tick.bid is not None and tick.ask is not None:
            prices = f"{format_price(tick.bid)}/{format_price(tick.ask)}"
        elif tick.last is not None:
            prices = format_price(tick.last)
    return Sample(
        (plane, asset, kind.value),
        now,
        reading.fresh,
        reading.freshness.value,
        reading.budget_ns,
        ts_ms=None if tick is None else tick.ts_event // MS,
        prices=prices,
    )


def config(
    binance: SimProcess,
    bingx: SimProcess,
    assets: list[str],
    shards: int,
    hz: tuple[str, tuple[str, ...]] | None = None,
) -> VioletConfig:
    """The system as a user configures it: the alpha plane remote (shared memory, or Hazelcast when `hz` names a
    cluster and its members), the BingX plane in-process."""
    bridge = BridgeConfig(shm_prefix=f"chaos{secrets.token_hex(3)}")
    if hz is not None:
        bridge = msgspec.structs.replace(bridge, hz_cluster=hz[0], hz_members=list(hz[1]))
    return VioletConfig(
        alpha=PlaneConfig(adapter="remote_shm" if hz is None else "remote_hz", assets=assets),
        venue=PlaneConfig(adapter="bingx", assets=assets),
        binance=BinanceConfig(http_url=binance.info["http"], ws_url=binance.info["ws"]),
        bingx=BingxConfig(http_url=bingx.info["http"], ws_url=f"{bingx.info['ws']}/swap-market"),
        bridge=bridge,
        feed=FeedConfig(shards=shards),
    )


async def start_sims(symbols: int, rate: float) -> dict[str, SimProcess]:
    sims: dict[str, SimProcess] = {}
    try:
        for venue in ("binance", "bingx"):
            sims[venue] = await start_sim(venue, symbols=symbols, rate=rate, tls=False, pin=False, profile="live")
    except BaseException:
        for sim in sims.values():
            await stop_sim(sim)
        raise
    return sims


def pids_of(planes: Planes, sims: dict[str, SimProcess], member: int | None = None) -> dict[str, int]:
    pids = {"reactor": os.getpid(), **{f"{v} simulator": s.proc.pid for v, s in sims.items()}, **planes.child_pids()}
    if member is not None:
        pids[MEMBER] = member
    return pids


def fds_of(pids: dict[str, int]) -> dict[str, int]:
    out = {}
    for name, pid in pids.items():
        try:
            out[name] = psutil.Process(pid).num_fds()
        except psutil.Error:
            continue
    return out


def planes_of(planes: Planes) -> dict[str, VenuePriceFeedPort]:
    return {"alpha": planes.alpha, "venue": planes.venue}


def rejected_of(feed: VenuePriceFeedPort) -> dict[str, int]:
    return feed.rejected_by_reason() if isinstance(feed, RejectionReasons) else {}


def assets_down(planes: Planes) -> dict[str, list[str]]:
    return {n: f.assets_down() if isinstance(f, PlaneHealth) else [] for n, f in planes_of(planes).items()}


def slices_for(assets: list[str], shards: int) -> tuple[tuple[str, ...], ...]:
    return deal(assets, shards)
