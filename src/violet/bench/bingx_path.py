"""BingX's in-process path taken apart, per frame, on the same frames and the same loop (uvloop), no socket: what
the raw client does (gunzip, `json.loads`, a record) beside violet's path built up one stage at a time, so each
stage's cost is the difference to the one before.

- `raw`: the raw client's work on a frame, called in a loop;
- `raw + wake-up`: the same, done by a consumer task woken for each frame (a queue hand-off and one loop turn:
  what aiohttp's reader and the task iterating the socket do);
- `codec`: violet's decoder (gunzip with its limits, the fast path);
- `adapter`: the whole frame callback of a live BingX plane (a scripted peer stands in for the socket, so the
  adapter's own code runs: codec, the topic and book-lag checks, the tick and its prices, the hub), no subscriber;
- `adapter + read`: and a subscriber's stream read in the same task (the tick is already waiting);
- `adapter + wake-up`: and a consumer task woken for each tick, as a reactor is.

`violet bench latency` (`bingx-raw` against `bingx-violet`) measures the same thing end to end through sockets;
this one says where the difference is. Interleaved repeats, medians.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.adapters.bingx.scripted import ScriptedBingx, ScriptedConnection
from violet.app.event_loop import run_on_uvloop
from violet.protocols.bingx.codec import BingxDecoder
from violet.sim.bingx.frames import book_ticker, envelope, gz, trades, venue_symbol
from violet.sim.engine.market import QuoteEvent, RandomWalkMarket
from violet.sim.engine.universe import make_universe

STAGES = ("raw", "raw + wake-up", "codec", "adapter", "adapter + read", "adapter + wake-up")
HOUR_NS = 3_600_000_000_000
"""The plane's budget here: the frames are made before they are timed, so they must stay fresh for the run."""


def make_frames(n: int, symbols: int, *, seed: int = 7) -> tuple[list[bytes], list[str]]:
    """`n` frames as the simulator sends them (bookTicker and trade pushes over a random walk, gzip level 1),
    a millisecond apart up to now (a frame whose time and prices repeat the last one's is refused as a duplicate,
    a cheaper path than a tick's); and the assets they cover."""
    universe = make_universe(symbols)
    market = RandomWalkMarket(universe, seed=seed)
    first_ms = time.time_ns() // 1_000_000 - n
    frames = []
    for i in range(n):
        ev = market.next_event(first_ms + i)
        sym = venue_symbol(ev.inst)
        if isinstance(ev, QuoteEvent):
            frames.append(gz(envelope(f"{sym}@bookTicker", book_ticker(ev, sym))))
        else:
            frames.append(gz(envelope(f"{sym}@trade", trades([ev], sym))))
    return frames, [inst.canonical for inst in universe]


def _raw(frame: bytes, out: list[tuple[Any, ...]]) -> None:
    text = zlib.decompress(frame, wbits=31)
    m = json.loads(text)
    dt = m.get("dataType", "")
    d = m.get("data")
    now = time.monotonic_ns()
    if dt.endswith("@bookTicker"):
        out.append(((d["s"], "quote", d["E"], f"{d['b']}/{d['a']}"), now))
    elif dt.endswith("@trade"):
        t = d[0]
        out.append(((t["s"], "trade", t["T"], t["p"]), now))


async def _time_raw(frames: list[bytes], assets: list[str]) -> float:
    out: list[tuple[Any, ...]] = []
    t0 = time.perf_counter_ns()
    for f in frames:
        _raw(f, out)
    return (time.perf_counter_ns() - t0) / len(frames)


async def _time_raw_woken(frames: list[bytes], assets: list[str]) -> float:
    out: list[tuple[Any, ...]] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    done = anyio.Event()

    async def consume() -> None:
        for _ in range(len(frames)):
            _raw(await queue.get(), out)
        done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await asyncio.sleep(0)
        t0 = time.perf_counter_ns()
        for f in frames:
            queue.put_nowait(f)
            await asyncio.sleep(0)
        await done.wait()
        elapsed = time.perf_counter_ns() - t0
    if len(out) != len(frames):
        raise RuntimeError(f"the raw consumer read {len(out)} of {len(frames)} frames")
    return elapsed / len(frames)


async def _time_codec(frames: list[bytes], assets: list[str]) -> float:
    decoder = BingxDecoder()
    t0 = time.perf_counter_ns()
    for f in frames:
        decoder.feed(f)
    return (time.perf_counter_ns() - t0) / len(frames)


async def _plane(assets: list[str], run: Callable[[BingxPriceFeed, ScriptedConnection], Awaitable[float]]) -> float:
    peer = ScriptedBingx([a.removesuffix("USDT-PERP") + "-USDT" for a in assets])
    settings = BingxSettings(
        assets=tuple(assets),
        quote_source="bookTicker",
        subscribe_per_s=10_000.0,
        topics_per_socket=2 * len(assets),
        staleness_budget_ns=HOUR_NS,
    )
    async with BingxPriceFeed(settings, connector=peer, contracts=peer) as feed:
        return await run(feed, peer.connections[0])


def _adapter(mode: str) -> Callable[[list[bytes], list[str]], Awaitable[float]]:
    async def timed(frames: list[bytes], assets: list[str]) -> float:
        async def run(feed: BingxPriceFeed, conn: ScriptedConnection) -> float:
            delivered_before = feed.counters().delivered
            if mode == "no subscriber":
                t0 = time.perf_counter_ns()
                for f in frames:
                    conn.push(f)
                elapsed = time.perf_counter_ns() - t0
                if feed.counters().received < len(frames):
                    raise RuntimeError(f"not every frame became a tick: {feed.counters()}")
                return elapsed / len(frames)
            async with feed.subscribe(assets) as stream:
                t0 = time.perf_counter_ns()
                if mode == "read":
                    for f in frames:
                        conn.push(f)
                        await anext(stream)
                else:
                    read = 0

                    async def consume() -> None:
                        nonlocal read
                        async for _ in stream:
                            read += 1
                            if read == len(frames):
                                return

                    async with anyio.create_task_group() as tg:
                        tg.start_soon(consume)
                        await asyncio.sleep(0)
                        t0 = time.perf_counter_ns()
                        for f in frames:
                            conn.push(f)
                            await asyncio.sleep(0)
                elapsed = time.perf_counter_ns() - t0
            counters = feed.counters()
            if counters.received < len(frames) or counters.delivered - delivered_before != len(frames):
                raise RuntimeError(f"not every frame became a tick and was read: {counters}")
            return elapsed / len(frames)

        return await _plane(assets, run)

    return timed


TIMERS: dict[str, Callable[[list[bytes], list[str]], Awaitable[float]]] = {
    "raw": _time_raw,
    "raw + wake-up": _time_raw_woken,
    "codec": _time_codec,
    "adapter": _adapter("no subscriber"),
    "adapter + read": _adapter("read"),
    "adapter + wake-up": _adapter("wake-up"),
}


def measure(*, frames: int = 20_000, symbols: int = 50, repeats: int = 5) -> dict[str, Any]:
    """ns per frame of each stage (median of interleaved repeats), each stage's increment, and the ratios the issue
    judges: violet's whole path against the raw client's, with and without the consumer's wake-up."""
    batch, assets = make_frames(frames, symbols)

    async def one_round() -> dict[str, float]:
        return {stage: await TIMERS[stage](batch, assets) for stage in STAGES}

    rounds = [run_on_uvloop(one_round) for _ in range(repeats)]
    median = {stage: statistics.median(r[stage] for r in rounds) for stage in STAGES}
    return {
        "frames": frames,
        "symbols": symbols,
        "repeats": repeats,
        "ns_per_frame": {stage: round(median[stage]) for stage in STAGES},
        "all": {stage: [round(r[stage]) for r in rounds] for stage in STAGES},
        "increments_ns": {
            "codec over raw": round(median["codec"] - median["raw"]),
            "tick, checks and hub": round(median["adapter"] - median["codec"]),
            "stream read": round(median["adapter + read"] - median["adapter"]),
            "wake-up (violet)": round(median["adapter + wake-up"] - median["adapter + read"]),
            "wake-up (raw)": round(median["raw + wake-up"] - median["raw"]),
        },
        "ratio_to_raw": {
            "without wake-up": round(median["adapter + read"] / median["raw"], 2),
            "with wake-up": round(median["adapter + wake-up"] / median["raw + wake-up"], 2),
        },
    }


def table(result: dict[str, Any]) -> str:
    ns = result["ns_per_frame"]
    lines = [
        f"BingX path, {result['frames']} frames over {result['symbols']} symbols, median of {result['repeats']} "
        "interleaved repeats (uvloop, no socket)",
        "",
        "| stage | us per frame | vs raw |",
        "|---|---|---|",
    ]
    for stage in STAGES:
        base = ns["raw + wake-up"] if stage.endswith("wake-up") else ns["raw"]
        lines.append(f"| {stage} | {ns[stage] / 1000:.2f} | {ns[stage] / base:.2f}x |")
    lines.append("")
    lines.append("increments (us): " + ", ".join(f"{k} {v / 1000:+.2f}" for k, v in result["increments_ns"].items()))
    r = result["ratio_to_raw"]
    lines.append(f"violet / raw: {r['without wake-up']}x without the wake-up, {r['with wake-up']}x with it")
    return "\n".join(lines)
