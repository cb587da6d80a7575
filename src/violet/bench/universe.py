"""`violet bench universe`: the whole market through violet, one size at a time, both venues at once.

Per size, both simulators run the live profile with that many perpetuals at the market rate; the universe is
resolved from their listings (`[universe] select = "usdt-perpetuals"`, both venues), the alpha plane runs in `violet
feed` shard processes behind shared memory (as the embedded defaults do) and the BingX plane in this process, which
reads both as a reactor does. Reported per plane:

- `ready_s`: from the plane's own start to entering it (every subscription confirmed: acks on BingX and NautilusTrader
  1.231, a first tick per stream on 2.0);
- `start_all_fresh_s`: from the plane's own start (alpha: resolving the universe, then its shards start at once;
  BingX: entering it) to the last asset's first quote, as the plane accepted it (its tap: a quote that came while the
  plane was still starting counts, as BingX's snapshot after each subscribe does); fresh when it came;
- `floor_s`: what the venue's subscription limits alone take (BingX: a socket's topics at `subscribe_per_s`, sockets
  in parallel, or all topics through one window per IP; Binance on NautilusTrader 1.231: SUBSCRIBE frames of up to
  200 streams at `subscribe_per_s` a connection; on 2.0: one stream per frame ~0.3 s apart; each shard its own
  connections);
- `reconnect_all_fresh_s`: after every socket of the venue is closed at once, to every asset's next quote;
- `start_venue_sent_s`, `reconnect_venue_sent_s`: from the same marks to the venue's first quote of its last asset
  (the simulators' send logs): when the venue had sent every asset a quote, which no client can beat; and
  `start_worst_wait`, `reconnect_worst_wait`: the asset whose first quote reached the plane longest after the venue
  sent it, and how long (violet's own share, per asset);
- `p50_ms`, `p99_ms`: venue send -> delivered to this process (the simulators' send logs, same host clock);
- `dropped`, `conflated`: of the sends in the steady window (conflated: replaced by a newer one before read);
  `refused` by reason in the window, `start_refused` before it;
- `cpu_cores` and `rss_mib` per process over the steady window.

On the live profile thin names quote seldom (a thin BingX book's top changes every ~6 s, quiet spells up to ~21 s):
start and reconnect times include the wait for their next quote, which the venue decides, not violet.
"""

from __future__ import annotations

import gc
import math
import secrets
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import aiohttp
import anyio
import msgspec
import psutil
from prometheus_client.parser import text_string_to_metric_families

from violet.adapters.bingx.send_window import SendWindow
from violet.adapters.bingx.settings import BingxSettings
from violet.adapters.bingx.shard import topics_per_socket
from violet.adapters.nt_binance.batching import MAX_STREAMS_PER_FRAME
from violet.adapters.nt_binance.build import nt_major
from violet.adapters.nt_binance.settings import NtBinanceSettings
from violet.app.processes import concurrently, spawn_ready, stop_process
from violet.bench.records import Record, delivery, fields, sim_symbol, summarize
from violet.bench.sim_process import SimProcess, cpu_seconds, sim_fault, sim_post, start_sim, stop_sim
from violet.bench.system_soak import ProcessTrack
from violet.composition import build_plane
from violet.config import (
    BinanceConfig,
    BingxConfig,
    BridgeConfig,
    FeedConfig,
    PlaneConfig,
    UniverseConfig,
    VioletConfig,
    dump_config,
    resolve_shards,
    shard_count,
)
from violet.domain import NormalizedTick, SystemClock, TickKind
from violet.ports import RejectionReasons, TickTap, VenuePriceFeedPort
from violet.universe import resolve_universe

FULL = 600
"""`full`: BingX's simulated count by default (the live list holds several hundred USDT perpetuals; no exact count
is recorded), and as many on Binance."""
MIB = 1024 * 1024
VENUE_OF = {"alpha": "binance", "venue": "bingx"}


NT2_SUBSCRIBE_GAP_S = 0.3
"""NautilusTrader 2.0 sends one stream per SUBSCRIBE frame, about 300 ms apart per connection (observed on rc6/rc7,
not configurable)."""


def floor_alpha_s(assets: int, shards: int, *, nt_major: int = 1) -> float:
    """Quotes ride /public and trades /market, a connection each per shard, so a route carries one stream per asset of
    its shard. 1.231: violet batches them into frames of up to 200 streams at `subscribe_per_s`; 2.0: NautilusTrader's
    own pacing, one stream per frame."""
    per_route = math.ceil(assets / shards)
    if nt_major >= 2:
        return (per_route - 1) * NT2_SUBSCRIBE_GAP_S
    frames = math.ceil(per_route / MAX_STREAMS_PER_FRAME)
    return (frames - 1) / NtBinanceSettings(assets=()).subscribe_per_s


def floor_venue_s(assets: int) -> float:
    s = BingxSettings(assets=())
    topics = 2 * assets
    per_socket = min(topics, topics_per_socket(s, assets))
    waiting = topics if s.subscribe_scope == "ip" else per_socket
    return SendWindow(s.subscribe_per_s).span_for(waiting)  # paced as the plane paces them


class _Reader:
    """Every tick of one plane as it is delivered (while `keep`), and each asset's first quote since a mark."""

    def __init__(self, feed: VenuePriceFeedPort) -> None:
        self.feed = feed
        self.records: list[Record] = []
        self.keep = False
        self.newest_event_ns = 0
        self._mark_ns = 0
        self._first_quote_ns: dict[str, int] = {}

    async def run(self) -> None:
        async with self.feed.subscribe(self.feed.assets()) as stream:
            async for tick in stream:
                now = time.monotonic_ns()
                self.newest_event_ns = max(self.newest_event_ns, tick.ts_event)
                if self.keep:
                    self.records.append((fields(tick), now))

    async def seen_event_after(self, wall_ns: int, timeout_s: float) -> None:
        with anyio.move_on_after(timeout_s):
            while self.newest_event_ns < wall_ns:  # noqa: ASYNC110 - ticks arrive through the reader task
                await anyio.sleep(0.01)

    def on_tick(self, tick: NormalizedTick) -> None:
        """The plane's tap: every tick as the plane accepts it, from before it is entered (BingX's snapshot right
        after each subscribe comes while the plane is still starting). Timed when this process has it: a remote
        plane's tick carries its feed's receive time, earlier than its arrival here when it was waiting in the table
        for this reader to come; a tick received before the mark (in flight across a fault) does not count."""
        if tick.mono_ns >= self._mark_ns and tick.kind is TickKind.QUOTE and tick.asset not in self._first_quote_ns:
            self._first_quote_ns[tick.asset] = time.monotonic_ns()

    def mark(self, at_ns: int | None = None) -> int:
        """From now (or `at_ns`, already past), each asset's first quote is timed."""
        self._first_quote_ns = {}
        self._mark_ns = time.monotonic_ns() if at_ns is None else at_ns
        return self._mark_ns

    def against_venue(self, sends: list[list[Any]], venue: str) -> tuple[float | None, dict[str, Any]]:
        """Seconds from the mark to when the venue had sent every asset its first quote (None: one got none), and the
        asset whose first quote reached violet longest after the venue sent it (its wait: violet's own share)."""
        sent = first_quote_sends(sends, self._mark_ns)
        sent_at: dict[str, int] = {}
        for asset in self.feed.assets():
            t = sent.get(sim_symbol(venue, asset))
            if t is not None:
                sent_at[asset] = t
        waits = [(self._first_quote_ns[a] - t, a) for a, t in sent_at.items() if a in self._first_quote_ns]
        worst_ns, worst = max(waits, default=(0, None))
        all_sent = len(sent_at) == len(self.feed.assets()) and sent_at
        venue_sent_s = (max(sent_at.values()) - self._mark_ns) / 1e9 if all_sent else None
        return venue_sent_s, {
            "worst_wait_s": worst_ns / 1e9,
            "worst_asset": worst,
            "worst_sent_s": (sent_at[worst] - self._mark_ns) / 1e9 if worst is not None else None,
        }

    async def all_quoted(self, timeout_s: float) -> float | None:
        """Seconds from the mark to the first quote of the last asset to get one (None: not within the timeout).
        Each asset's first quote, not its newest: reading `latest` once the plane is entered would time a quote
        that came at the start by whichever came after it."""
        assets = self.feed.assets()
        with anyio.move_on_after(timeout_s):
            while not assets <= self._first_quote_ns.keys():  # noqa: ASYNC110 - ticks arrive through the tap
                await anyio.sleep(0.05)
            return (max(self._first_quote_ns[a] for a in assets) - self._mark_ns) / 1e9
        return None


async def universe_run(
    *, symbols: int, rate: float, shards: int | Literal["auto"], steady_s: float, wait_s: float, rss_s: float = 0.0
) -> dict[str, Any]:
    sims: dict[str, SimProcess] = {}
    try:
        for venue in ("binance", "bingx"):
            sims[venue] = await start_sim(venue, symbols=symbols, rate=rate, tls=False, pin=False, profile="live")
        return await _measure(sims, symbols=symbols, shards=shards, steady_s=steady_s, wait_s=wait_s, rss_s=rss_s)
    finally:
        gc.unfreeze()
        for sim in sims.values():
            await stop_sim(sim)


async def _measure(
    sims: dict[str, SimProcess],
    *,
    symbols: int,
    shards: int | Literal["auto"],
    steady_s: float,
    wait_s: float,
    rss_s: float = 0.0,
) -> dict[str, Any]:
    bn, bx = sims["binance"], sims["bingx"]
    base = VioletConfig(
        alpha=PlaneConfig(adapter="remote_shm"),
        venue=PlaneConfig(adapter="bingx"),
        binance=BinanceConfig(http_url=bn.info["http"], ws_url=bn.info["ws"]),
        bingx=BingxConfig(http_url=bx.info["http"], ws_url=f"{bx.info['ws']}/swap-market"),
        bridge=BridgeConfig(shm_prefix=f"un{secrets.token_hex(3)}"),
        feed=FeedConfig(shards=shards, health_interval_s=3600.0),
        universe=UniverseConfig(select="usdt-perpetuals"),
    )
    pids = {"binance simulator": bn.proc.pid, "bingx simulator": bx.proc.pid, "reactor": psutil.Process().pid}
    async with AsyncExitStack() as stack:
        t_start = time.monotonic_ns()
        for sim in (bn, bx):
            await sim_post(sim, "/__sim/sendlog")  # logs on: the start's first quotes are timed at the venue too
        cfg, selection = await resolve_universe(base)
        cfg = resolve_shards(cfg)
        n_shards = shard_count(cfg)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="violet-universe-")))
        (tmp / "feed.toml").write_text(dump_config(cfg))

        shard_metrics: list[str] = []
        shard_ready_s: dict[int, float] = {}

        async def spawn(shard: int) -> None:
            cmd = [sys.executable, "-m", "violet", "feed", "--config", str(tmp / "feed.toml"), "--shard", str(shard)]
            proc, line = await spawn_ready([*cmd, "--metrics-port", "0"], name=f"feed shard {shard}", timeout_s=300)
            stack.push_async_callback(stop_process, proc)
            pids[f"feed shard {shard}"] = proc.pid
            shard_ready_s[shard] = (time.monotonic_ns() - t_start) / 1e9
            shard_metrics.append(msgspec.json.decode(line)["metrics"])

        await concurrently([partial(spawn, shard) for shard in range(n_shards)])  # as `violet run` starts them
        clock = SystemClock()
        readers = {plane: _Reader(build_plane(plane, cfg, clock)[0]) for plane in ("alpha", "venue")}
        tg = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tg.cancel_scope.cancel)
        # Each plane's start counts from its own beginning: alpha's from resolving the universe (its shards start
        # then), BingX's from entering it, after alpha is ready (planes are entered one after the other).
        began: dict[str, int] = {}
        ready: dict[str, float] = {}
        for plane, reader in readers.items():
            assert isinstance(reader.feed, TickTap)
            stack.enter_context(reader.feed.tap(reader.on_tick))
            began[plane] = reader.mark(t_start if plane == "alpha" else None)
            await stack.enter_async_context(reader.feed)  # returns once the plane is ready
            ready[plane] = (time.monotonic_ns() - began[plane]) / 1e9
            tg.start_soon(reader.run)
        start = {p: await r.all_quoted(wait_s) for p, r in readers.items()}
        # The steady window starts: the start's sends drained, records kept.
        start_sends = {"alpha": await sim_post(bn, "/__sim/sendlog"), "venue": await sim_post(bx, "/__sim/sendlog")}
        started = {p: r.against_venue(start_sends[p], VENUE_OF[p]) for p, r in readers.items()}
        conflated0 = {p: r.feed.counters().conflated for p, r in readers.items()}
        refused0 = {p: _refusals(r.feed) for p, r in readers.items()}
        upstream0 = await _shard_refusals(shard_metrics)
        for r in readers.values():
            r.keep = True
        cpu0, t0 = cpu_seconds(pids), time.monotonic_ns()
        await anyio.sleep(steady_s)
        cpu1, t1 = cpu_seconds(pids), time.monotonic_ns()
        rss = {name: _rss_mib(pid) for name, pid in pids.items()}
        # Sends of the window's last moments still in flight are kept, or they would look lost: past a tick the venue
        # stamped after the window closed (the simulators stamp event times from the same clock), and a margin.
        wall_t1 = time.time_ns()
        for r in readers.values():
            await r.seen_event_after(wall_t1, wait_s)
        await anyio.sleep(0.5)
        for r in readers.values():
            r.keep = False
        sends = {"alpha": await sim_post(bn, "/__sim/sendlog"), "venue": await sim_post(bx, "/__sim/sendlog")}
        conflated = {p: r.feed.counters().conflated - conflated0[p] for p, r in readers.items()}
        refused = {p: _refusals(r.feed) - refused0[p] for p, r in readers.items()}
        refused["alpha"] += await _shard_refusals(shard_metrics) - upstream0
        reconnect: dict[str, float | None] = {}
        resent: dict[str, tuple[float | None, dict[str, Any]]] = {}
        for plane, sim in (("alpha", bn), ("venue", bx)):
            await sim_post(sim, "/__sim/sendlog")
            readers[plane].mark()
            await sim_fault(sim, "close:1011")  # every socket of the venue at once
            reconnect[plane] = await readers[plane].all_quoted(wait_s)
            resent[plane] = readers[plane].against_venue(await sim_post(sim, "/__sim/sendlog"), VENUE_OF[plane])
        rss_trend = await _rss_trend(pids, rss_s) if rss_s else None
    window_s = (t1 - t0) / 1e9
    cores = {k: (cpu1[k] - cpu0[k]) / window_s for k in cpu1 if k in cpu0}
    major = nt_major()
    floors = {
        "alpha": floor_alpha_s(len(selection.alpha), n_shards, nt_major=major),
        "venue": floor_venue_s(len(selection.venue)),
    }
    out: dict[str, Any] = {
        "symbols": symbols,
        "shards": n_shards,
        "shard_ready_s": [shard_ready_s[i] for i in sorted(shard_ready_s)],
        "nautilus_trader": version("nautilus_trader"),
        "cpu_cores": cores,
        "rss_mib": rss,
        "rss_trend": rss_trend,
    }
    for plane, reader in readers.items():
        window = [s for s in sends[plane] if t0 <= s[4] < t1]
        stats = summarize(reader.records, window, 0.0)
        fate = delivery(reader.records, sends[plane], window, conflated[plane])
        out[plane] = {
            "symbols": len(reader.feed.assets()),
            "ready_s": ready[plane],
            "start_all_fresh_s": start[plane],
            "floor_s": floors[plane],
            "reconnect_all_fresh_s": reconnect[plane],
            "start_venue_sent_s": started[plane][0],
            "start_worst_wait": started[plane][1],
            "reconnect_venue_sent_s": resent[plane][0],
            "reconnect_worst_wait": resent[plane][1],
            "msgs_per_s": fate.sent / window_s,
            "p50_ms": stats.p50_us / 1e3,
            "p99_ms": stats.p99_us / 1e3,
            "dropped": fate.dropped,
            "conflated": fate.conflated,
            "refused": dict(refused[plane]),
            "start_refused": dict(refused0[plane] + (upstream0 if plane == "alpha" else Counter())),
        }
    return out


def first_quote_sends(sends: list[list[Any]], mark_ns: int) -> dict[str, int]:
    """Each symbol's first quote the venue sent (to any of this host's sockets) from `mark_ns` on, by send time."""
    first: dict[str, int] = {}
    for symbol, kind, _, _, send_ns in sends:
        if kind == "quote" and send_ns >= mark_ns:
            first[symbol] = min(send_ns, first.get(symbol, send_ns))
    return first


def _refusals(feed: VenuePriceFeedPort) -> Counter[str]:
    return Counter(feed.rejected_by_reason() if isinstance(feed, RejectionReasons) else {})


async def _shard_refusals(urls: list[str]) -> Counter[str]:
    """What the feed shards' own sources refused, by reason (from their /metrics): a refused tick never reaches the
    bridge, so without these a refusal upstream would look like a drop."""
    total: Counter[str] = Counter()
    async with aiohttp.ClientSession() as http:
        for url in urls:
            async with http.get(f"{url}/metrics") as resp:
                text = await resp.text()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "violet_ticks_rejected_total" and sample.value:
                        total[sample.labels["reason"]] += int(sample.value)
    return total


RSS_SAMPLE_S = 10.0
"""At most this between RSS samples (shorter runs sample 20 times)."""


async def _rss_trend(pids: dict[str, int], seconds: float) -> dict[str, Any]:
    """Every process's RSS for `seconds` with nothing kept by the measuring process (no records, no send logs), and
    its Theil-Sen trend over the second half (the first half is warm-up: caches, pools and books filling)."""
    tracks = [ProcessTrack(name, pid) for name, pid in pids.items()]
    every_s = min(RSS_SAMPLE_S, seconds / 20)
    t0 = time.monotonic()
    while (elapsed := time.monotonic() - t0) < seconds:
        for track in tracks:
            track.sample(elapsed)
        await anyio.sleep(min(every_s, max(0.0, seconds - elapsed)))
    for track in tracks:
        track.sample(time.monotonic() - t0)
    out: dict[str, Any] = {"seconds": seconds, "judged_from_s": seconds / 2}
    for track in tracks:
        summary = track.summary(seconds / 2, 0.0)
        out[track.name] = {
            k: summary[k] for k in ("rss_after_warmup_mib", "rss_end_mib", "slope_mib_per_hour", "samples")
        }
    return out


def _rss_mib(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).memory_info().rss) / MIB
    except psutil.Error:
        return None


def sizes_of(spec: str) -> list[int]:
    return [FULL if part.strip() == "full" else int(part) for part in spec.split(",") if part.strip()]


async def universe_bench(
    *,
    sizes: list[int],
    rate: float,
    shards: int | Literal["auto"],
    steady_s: float,
    wait_s: float,
    rss_s: float = 0.0,
) -> dict[str, Any]:
    runs = [
        await universe_run(symbols=n, rate=rate, shards=shards, steady_s=steady_s, wait_s=wait_s, rss_s=rss_s)
        for n in sizes
    ]
    return {"params": {"rate": rate, "steady_s": steady_s, "rss_s": rss_s, "cpus": psutil.cpu_count()}, "runs": runs}
