"""The fault matrix for the Binance plane: one test per (fault, adapter) cell, each through its real stack.

`nt_binance`: simulator -> NautilusTrader's client in this process. `remote_shm`: simulator -> NT inside a real
`violet feed` process -> shared memory -> the reader here. (The BingX adapter has its own matrix in
tests/adapters/test_bingx_feed.py; Hazelcast member faults are in tests/hz/; the feed process's own death in
tests/adapters/test_feed_process.py.) For every cell: the simulator really sent the fault (none left pending), the
adapter and the feed process survive, fresh data resumes without a restart (a fresh tick received after the fault on
every asset), nothing is ever served as fresh while older than the budget, the values violet itself validates are
counted when refused, and each fault has the effect it must (`EFFECTS`): a late frame arrives late, a burst arrives
whole or conflated, a silenced channel is silent, a reordered frame is refused as out of order.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.abc
import attrs
import pytest

from tests.contract.harnesses.remote_shm import feed_config, feed_process, shm_reader
from tests.support.delivery_checks import Delivery, assert_each_once_and_in_order, collect
from tests.support.waiting import eventually
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.adapters.nt_binance.instrument_file import OnRefused
from violet.delivery import HubBackedFeed
from violet.domain import FeedCounters, FeedState, NormalizedTick
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
BUDGET_NS = 1_000_000_000
SKEW_NS = 250_000_000

# (fault spec, then what resumes it, counted by violet in-process as)
FAULTS: list[tuple[str, str | None, str | None]] = [
    ("close:1011", None, None),
    ("reset", None, None),
    ("stall", "resume", None),
    ("malformed:3", None, None),
    ("truncated:3", None, None),
    ("crossed:3", None, "CrossedQuote"),
    ("zero:3", None, "InvalidPrice"),
    ("negative:3", None, "InvalidPrice"),
    ("nan:3", None, None),  # NT's own parser drops NaN before violet sees it
    ("duplicate:5", None, "duplicate"),
    ("out-of-order:5", None, None),  # NT drops a bookTicker older than its last (by `u`); delivery order is asserted
    ("delay:300:2", None, None),
    ("burst:20000", None, None),
    ("silence:bookTicker:500", None, None),
    ("cascade:10:1", None, None),
    ("skew:-400:1", None, None),  # the venue clock 400 ms behind for 1 s: inside the 250 ms allowance plus budget
]


@attrs.frozen
class Seen:
    """What a cell observes while its fault runs: every tick the adapter accepts, with the wall time it did (a live
    list), and the adapter's conflated count when the fault began."""

    feed: HubBackedFeed
    arrivals: list[tuple[NormalizedTick, int]]
    before: FeedCounters
    started_wall_ns: int
    """When the fault was applied (wall clock, as the venue stamps)."""
    in_process: bool

    def reached_violet(self) -> int:
        """Updates that reached the adapter since the fault began: accepted, refused or conflated."""
        now = self.feed.counters()
        return sum(getattr(now, f) - getattr(self.before, f) for f in ("received", "rejected", "conflated"))


def _late_frames_arrive_late(seen: Seen) -> bool:  # delay:300:2
    # The venue's own stamp against this host's wall clock at arrival: the held frames came >= 300 ms after it.
    return max(((wall - tick.ts_event) / 1e6 for tick, wall in seen.arrivals), default=0.0) >= 250


def _a_burst_arrives_whole(seen: Seen) -> bool:  # burst:20000
    # In-process every update reaches violet (most refused: the simulator stamps a burst's events alike, so most are
    # repeats, and the last are late by then). Behind a feed process, its refusals stay there: the reader sees what
    # the feed accepted, conflated or not.
    return seen.reached_violet() >= (15_000 if seen.in_process else 500)


def _a_silenced_channel_is_silent(seen: Seen) -> bool:  # silence:bookTicker:500
    # By the venue's stamps, not arrival times (frames queued before the fault still drain meanwhile): no quote the
    # venue made during the silence arrives, and quotes made after it do.
    stamps = [tick.ts_event for tick, _ in seen.arrivals if tick.bid is not None]
    start, ms = seen.started_wall_ns, 1_000_000
    assert not [t for t in stamps if start + 30 * ms < t < start + 470 * ms], "a quote made during the silence came"
    return any(t > start + 600 * ms for t in stamps)


EFFECTS = {
    "delay:300:2": _late_frames_arrive_late,
    "burst:20000": _a_burst_arrives_whole,
    "silence:bookTicker:500": _a_silenced_channel_is_silent,
}
"""What a fault must do besides being survived, awaited (refusals are `counted_as` in FAULTS). Malformed, truncated
and NaN frames are dropped by NautilusTrader's parser before violet sees them: their cells check the fault was sent
(none pending) and that nothing of them reached the consumer (every delivery valid and in order)."""


STREAMS = frozenset(f"{a.removesuffix('-PERP').lower()}@{kind}" for a in ASSETS for kind in ("bookTicker", "aggTrade"))


def _every_stream_carried(sim: BinanceSimulator) -> bool:
    """The client's every stream is on an open socket of the venue. A fresh tick on every asset does not prove it (a
    trade or a quote is enough), nor does a remote reader's LIVE (it sees the feed process's heartbeat, not its
    sockets): NT resubscribes a reconnected socket in paced frames, and a socket still reconnecting when the next
    fault is applied would escape it."""
    carried = {t for c in sim.connections.values() if not c.closed for t in c.topics}
    return carried >= STREAMS


def _sent(sim: BinanceSimulator, spec: str) -> bool:
    """Every fault here can ride a quote, so the sockets carrying bookTicker must send all of theirs (a trade socket
    keeps a crossed-quote fault pending for good: no trade can carry it)."""
    kind = Fault.parse(spec).kind
    quoting = [c for c in sim.connections.values() if any(t.endswith("@bookTicker") for t in c.topics)]
    return bool(quoting) and not any(c.faults.pending.get(kind, 0) for c in quoting)


class Cell:
    def __init__(self, sim: BinanceSimulator, feed: HubBackedFeed, proc: anyio.abc.Process | None) -> None:
        self.sim, self.feed, self.proc = sim, feed, proc


@pytest.fixture(scope="module")
async def nt_cell() -> AsyncIterator[Cell]:
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        feed = NtBinancePriceFeed(
            NtBinanceSettings(
                assets=ASSETS,
                base_url_http=sim.http_url,
                base_url_ws=sim.ws_url,
                subscribe_per_s=50,
                stall_after_ns=1_500_000_000,
                staleness_budget_ns=BUDGET_NS,
            )
        )
        async with feed:
            yield Cell(sim, feed, None)


@pytest.fixture(scope="module")
async def remote_shm_cell(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cell]:
    prefix = f"fm{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        tmp: Path = tmp_path_factory.mktemp("fm")
        async with feed_process(feed_config(sim, prefix, ASSETS), tmp) as proc:
            feed = shm_reader(prefix, ASSETS, budget_ns=BUDGET_NS)
            async with feed:
                yield Cell(sim, feed, proc)


def _fresh_after(feed: HubBackedFeed, mark_ns: int) -> bool:
    for asset in ASSETS:
        r = feed.latest(asset)
        if not r.fresh or r.tick is None or r.tick.mono_ns <= mark_ns:
            return False
    return True


async def _run_cell(cell: Cell, spec: str, resume: str | None, counted_as: str | None, *, in_process: bool) -> None:
    feed, sim = cell.feed, cell.sim
    with anyio.fail_after(60):
        while not _fresh_after(feed, 0):
            await anyio.sleep(0.01)
    await eventually(lambda: _every_stream_carried(sim), "every stream on an open socket before the fault")
    rejected_before = dict(feed.rejected_by_reason())
    if spec == "reset" or spec.startswith("close"):
        # NT reconnects within milliseconds; make the venue refuse for a moment so the outage is visible.
        sim.accepting = False
    delivered: list[Delivery] = []
    seen = Seen(feed, [], feed.counters(), time.time_ns(), in_process)
    effect = EFFECTS.get(spec)
    with feed.tap(lambda tick: seen.arrivals.append((tick, time.time_ns()))):
        async with feed.subscribe(ASSETS) as stream, anyio.create_task_group() as consumer:
            consumer.start_soon(collect, stream, delivered)
            await _fault_and_recover(cell, spec, resume)
            await eventually(lambda: _sent(sim, spec), f"{spec} sent by the simulator on every quoting socket")
            if effect is not None:
                await eventually(lambda: effect(seen), f"{spec}: {effect.__name__.strip('_').replace('_', ' ')}")
            consumer.cancel_scope.cancel()
    assert delivered, "the consumer saw the feed through the fault"
    assert_each_once_and_in_order(delivered)
    await eventually(lambda: feed.state is FeedState.LIVE, "every connection back", 30)
    await eventually(lambda: _every_stream_carried(sim), "every stream resubscribed", 30)
    assert feed.counters().dropped == 0
    if cell.proc is not None:
        assert cell.proc.returncode is None, "the feed process survived"
    if counted_as is not None and in_process:
        after = feed.rejected_by_reason()
        assert after.get(counted_as, 0) > rejected_before.get(counted_as, 0), f"{spec} counted as {counted_as}"


async def _fault_and_recover(cell: Cell, spec: str, resume: str | None) -> None:
    feed, sim = cell.feed, cell.sim
    await sim.apply_fault(Fault.parse(spec))
    fault_at = time.monotonic_ns()
    served_ages: list[int] = []

    async def sample() -> None:
        while True:
            now = time.time_ns()
            for asset in ASSETS:
                r = feed.latest(asset)
                if r.fresh and r.tick is not None:
                    served_ages.append(now - r.tick.ts_event)
            await anyio.sleep(0.005)

    async with anyio.create_task_group() as tg:
        tg.start_soon(sample)
        if resume is not None:
            try:
                with anyio.fail_after(15):
                    while feed.state is FeedState.LIVE or any(feed.latest(a).fresh for a in ASSETS):
                        await anyio.sleep(0.01)
            finally:  # a cell that fails here must not leave the module's venue stalled for the cells after it
                await sim.apply_fault(Fault.parse(resume))
        if not sim.accepting:
            await anyio.sleep(0.5)
            sim.accepting = True
        mark = time.monotonic_ns() if resume is not None else fault_at
        with anyio.fail_after(60):
            while not _fresh_after(feed, mark):
                await anyio.sleep(0.01)
        tg.cancel_scope.cancel()
    assert max(served_ages, default=0) < BUDGET_NS + SKEW_NS, "nothing older than the budget served as fresh"


@pytest.mark.parametrize(("spec", "resume", "counted_as"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_nt_binance_cell(nt_cell: Cell, spec: str, resume: str | None, counted_as: str | None) -> None:
    await _run_cell(nt_cell, spec, resume, counted_as, in_process=True)


@pytest.mark.parametrize(("spec", "resume", "counted_as"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_remote_shm_cell(remote_shm_cell: Cell, spec: str, resume: str | None, counted_as: str | None) -> None:
    await _run_cell(remote_shm_cell, spec, resume, counted_as, in_process=False)


def test_the_matrix_names_every_simulator_fault_of_the_binance_venue() -> None:
    from violet.sim.engine.faults import FaultKind

    bingx_only = {
        FaultKind.CORRUPT_GZIP,
        FaultKind.TEXT_FRAME,
        FaultKind.PING_STORM,
        FaultKind.STALE_PUSH,
        FaultKind.CONTRACTS_NEED_TIMESTAMP,
        FaultKind.PAUSE,
    }
    startup_only = {FaultKind.EXCHANGE_INFO}  # test_a_region_block_at_startup_is_a_typed_error
    # A listing, not a connection, changes: tests/e2e/test_universe.py (both planes read DELISTED).
    listing_only = {FaultKind.DELIST, FaultKind.LIST}
    covered = {Fault.parse(spec).kind for spec, _, _ in FAULTS} | {FaultKind.RESUME} | startup_only | listing_only
    assert covered == set(FaultKind) - bingx_only, "a new simulator fault needs a cell here"


async def test_a_region_block_at_startup_is_a_typed_error() -> None:
    from violet.adapters.nt_binance.instruments import ExchangeInfoError

    async with BinanceSimulator(BinanceSimConfig(symbols=2, market=False)) as sim:
        await sim.apply_fault(Fault.parse("exchange-info:451"))
        settings = NtBinanceSettings(assets=ASSETS, base_url_http=sim.http_url, base_url_ws=sim.ws_url)
        with pytest.raises(ExchangeInfoError, match=r"451.*region block"):
            async with NtBinancePriceFeed(settings):
                pytest.fail("started without the instruments")


@pytest.mark.parametrize(
    ("policy", "file_age_h", "starts"),
    [
        ("use-file", 1.0, True),
        ("use-file", 30.0, False),  # older than the 24 h default: listings and tick sizes may have changed
        ("use-file-any-age", 30.0, True),
        ("fail", 1.0, False),
    ],
)
async def test_a_region_block_starts_from_the_instrument_file_a_previous_start_wrote(
    policy: OnRefused, file_age_h: float, starts: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import os

    from violet.adapters.nt_binance.instrument_file import InstrumentFile
    from violet.adapters.nt_binance.instruments import ExchangeInfoError, load_instruments

    path = tmp_path / "state" / "binance-exchange-info.json"
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        # A successful start's instrument load (what entering the adapter runs first) keeps exchangeInfo.
        await load_instruments(sim.http_url, ASSETS, file=InstrumentFile(path=path))
        assert b'"BTCUSDT"' in path.read_bytes(), "a successful start keeps exchangeInfo"
        first = NtBinanceSettings(assets=ASSETS, base_url_http=sim.http_url, base_url_ws=sim.ws_url)
        then = time.time() - file_age_h * 3600
        os.utime(path, (then, then))
        await sim.apply_fault(Fault.parse("exchange-info:451"))
        settings = attrs.evolve(first, instrument_file=InstrumentFile(path=path, on_refused=policy))
        if not starts:
            with pytest.raises(ExchangeInfoError, match=r"451.*region block") as refused:
                async with NtBinancePriceFeed(settings):
                    pytest.fail("started from a file its policy refuses")
            if policy != "fail":
                assert f"{file_age_h:.1f} h old" in str(refused.value), "the refusal names the file's age"
            return
        with caplog.at_level("WARNING", logger="violet.nt_binance"):
            async with NtBinancePriceFeed(settings) as feed, feed.subscribe(list(ASSETS)) as stream:
                with anyio.fail_after(20):
                    tick = await anext(aiter(stream))
                assert tick.asset in ASSETS, "streaming from instruments the venue refused to list today"
        assert sim.rest_calls == ["/fapi/v1/exchangeInfo"] * 2, "violet's two calls (one refused); none by NT"
        assert f"written {file_age_h:.1f} h ago" in caplog.text, "the fallback logs the file's age"
