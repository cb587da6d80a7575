"""BingX adapter behaviour against the BingX simulator: sharding, faults, stalls, refusals, TLS."""

from __future__ import annotations

import time

import anyio
import pytest

from tests.support.delivery_checks import Delivery, assert_each_once_and_in_order, collect
from tests.support.waiting import eventually
from violet.adapters.bingx import Backoff, BingxPriceFeed, BingxSettings
from violet.domain import FeedNotReady, FeedState, Freshness, TickKind
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.sim.engine.faults import Fault

pytestmark = pytest.mark.anyio
FAST = {"backoff": Backoff(0.01, 0.1, 0.0)}


def settings_for(sim: BingxSimulator, assets: tuple[str, ...], **kw: object) -> BingxSettings:
    return BingxSettings(
        assets=assets,
        base_url_http=sim.http_url,
        ws_url=f"{sim.ws_url}/swap-market",
        ssl_ca_file=None if sim.ca_path is None else str(sim.ca_path),
        # These exercise the bookTicker path (the simulator's value faults corrupt bookTicker frames); the book
        # source has its own tests (tests/unit/test_bingx_logic.py, test_bingx_book_source_*).
        **{**FAST, "quote_source": "bookTicker", **kw},  # type: ignore[arg-type]
    )


async def fresh_tick_after(feed: BingxPriceFeed, asset: str, after_ns: int) -> None:
    await eventually(lambda: (r := feed.latest(asset)).fresh and r.tick is not None and r.tick.mono_ns > after_ns)


async def test_topics_are_sharded_within_the_venue_limit() -> None:
    cfg = BingxSimConfig(symbols=150, rate_hz=3000, subscribe_per_s=10_000)
    async with BingxSimulator(cfg) as sim:
        assets = tuple(i.canonical for i in sim.instruments)
        async with BingxPriceFeed(settings_for(sim, assets, topics_per_socket=200, subscribe_per_s=2000)) as feed:
            await eventually(lambda: feed.state is FeedState.LIVE, timeout_s=30)
            assert len(feed.shards) == 2
            assert all(len(c.topics) <= 200 for c in sim.connections.values())
            assert sum(len(c.topics) for c in sim.connections.values()) == 300
            await eventually(lambda: sum(feed.latest(a).fresh for a in assets) > 100, timeout_s=30)


async def test_a_socket_asks_for_its_first_topics_at_once_and_the_rest_within_the_venues_rate() -> None:
    # The venue drops a socket that sends more than 7 requests in any second: 12 topics on one socket, paced at
    # 6 a second, must go live on the first socket (a burst of 12, or a window counted wrongly, gets it dropped).
    async with BingxSimulator(BingxSimConfig(symbols=6, rate_hz=300, subscribe_per_s=7)) as sim:
        assets = tuple(i.canonical for i in sim.instruments)
        settings = settings_for(sim, assets, topics_per_socket=12, subscribe_per_s=6)
        async with BingxPriceFeed(settings) as feed:
            assert feed.state is FeedState.LIVE
            why = [list(s.problems) for s in feed.shards]
            assert [(s.connects, len(s.topics)) for s in feed.shards] == [(1, 12)], why
            assert [len(c.topics) for c in sim.connections.values()] == [12]


async def test_with_per_ip_pacing_every_socket_goes_live_on_a_venue_that_counts_per_ip() -> None:
    """Three sockets of four topics against a venue that drops whatever socket sends its IP's sixth request in a
    second: paced per socket they would send twelve at once; paced per IP through one window, none is dropped."""
    cfg = BingxSimConfig(symbols=6, rate_hz=300, subscribe_per_s=5, subscribe_scope="ip")
    async with BingxSimulator(cfg) as sim:
        assets = tuple(i.canonical for i in sim.instruments)
        settings = settings_for(sim, assets, topics_per_socket=4, subscribe_per_s=4, subscribe_scope="ip")
        async with BingxPriceFeed(settings) as feed:
            assert feed.state is FeedState.LIVE
            why = [list(s.problems) for s in feed.shards]
            assert [(s.connects, len(s.topics)) for s in feed.shards] == [(1, 4)] * 3, why
            assert sorted(len(c.topics) for c in sim.connections.values()) == [4, 4, 4]


FAULTS = [
    ("close:1011", None),
    ("reset", None),
    ("malformed:3", "not-json"),
    ("truncated:3", "not-json"),
    ("corrupt-gzip:3", "corrupt-gzip"),
    ("text-frame:3", "text-frame"),
    ("ping-storm:200", None),
    ("crossed:3", "CrossedQuote"),
    ("zero:3", "InvalidPrice"),
    ("negative:3", "InvalidPrice"),
    ("nan:3", "InvalidPrice"),
    ("duplicate:5", "duplicate"),
    ("out-of-order:5", None),  # reordered frames are refused as `out-of-order` only when they meet their own lane
    ("stale-push:3", "stale-book"),
    ("delay:300:2", None),
    ("burst:20000", None),
]


@pytest.mark.parametrize(("spec", "counted_as"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_every_simulator_fault_is_survived(spec: str, counted_as: str | None) -> None:
    async with BingxSimulator(BingxSimConfig(symbols=2, rate_hz=400, ping_interval_s=0.2)) as sim:
        assets = ("BTCUSDT-PERP", "ETHUSDT-PERP")
        delivered: list[Delivery] = []
        async with (
            BingxPriceFeed(settings_for(sim, assets, subscribe_per_s=50)) as feed,
            feed.subscribe(assets) as stream,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(collect, stream, delivered)
            await eventually(lambda: feed.state is FeedState.LIVE)
            await fresh_tick_after(feed, "BTCUSDT-PERP", 0)
            before = feed.rejected_by_reason()
            await sim.apply_fault(Fault.parse(spec))
            mark = feed.latest("BTCUSDT-PERP").tick
            assert mark is not None
            if spec in ("close:1011", "reset"):
                await eventually(lambda: feed.counters().reconnects == 1)
            await fresh_tick_after(feed, "BTCUSDT-PERP", mark.mono_ns)
            await fresh_tick_after(feed, "ETHUSDT-PERP", mark.mono_ns)
            assert feed.state is FeedState.LIVE
            if counted_as is not None:
                await eventually(lambda: feed.rejected_by_reason().get(counted_as, 0) > before.get(counted_as, 0))
            for asset in assets:
                tick = feed.latest(asset).tick
                assert tick is not None and (tick.bid is None or tick.ask is None or tick.bid <= tick.ask)
            tg.cancel_scope.cancel()
        assert delivered, "the consumer saw the feed before and after the fault"
        assert_each_once_and_in_order(delivered)


async def test_a_socket_that_only_sends_ping_is_stalled_and_replaced() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=1, market=False, ping_interval_s=0.05)) as sim:
        s = settings_for(sim, ("BTCUSDT-PERP",), subscribe_per_s=50, stall_after_s={"bookTicker": 0.4, "trade": 30.0})
        async with BingxPriceFeed(s) as feed:
            await eventually(lambda: feed.shards[0].connects >= 3)
            assert feed.rejected_by_reason()["stalled-socket"] >= 2
            assert feed.shards[0].stall_after_s == 0.4, "the busiest topic's threshold governs the socket"


async def test_a_quiet_topic_does_not_cause_reconnects() -> None:
    """Quotes flow, the trade topic stays silent for many times its stall threshold: the socket is kept."""
    async with BingxSimulator(BingxSimConfig(symbols=1, market=False, ping_interval_s=0.05)) as sim:
        s = settings_for(sim, ("BTCUSDT-PERP",), subscribe_per_s=50, stall_after_s={"bookTicker": 0.5, "trade": 0.5})
        base = sim.instruments[0].base
        async with BingxPriceFeed(s) as feed, anyio.create_task_group() as tg:
            await eventually(lambda: feed.state is FeedState.LIVE)

            async def quotes_only() -> None:
                while True:
                    sim.publish(sim.market.quote(base, time.time_ns() // 1_000_000))
                    await anyio.sleep(0.02)  # pacing the far side; the outcome waits on what arrived

            tg.start_soon(quotes_only)
            await fresh_tick_after(feed, "BTCUSDT-PERP", 0)
            first = feed.latest("BTCUSDT-PERP").tick
            assert first is not None
            # Quotes received over three stall thresholds, with not one trade sent: a wrong rule would reconnect.
            await eventually(
                lambda: (
                    (t := feed.latest("BTCUSDT-PERP").tick) is not None and t.mono_ns - first.mono_ns > 1_500_000_000
                )
            )
            tg.cancel_scope.cancel()
            assert feed.shards[0].connects == 1
            assert feed.rejected_by_reason().get("stalled-socket", 0) == 0


async def test_a_refused_topic_fails_entering_naming_it_or_with_drop_asset_leaves_the_plane() -> None:
    cfg = BingxSimConfig(symbols=3, rate_hz=300, max_topics=3, subscribe_per_s=1000, paused_symbols=("SOL-USDT",))
    async with BingxSimulator(cfg) as sim:
        assets = ("BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP")
        with pytest.raises(FeedNotReady) as caught:
            async with BingxPriceFeed(settings_for(sim, assets, subscribe_per_s=200)):
                pytest.fail("entered with a refused topic")
        assert caught.value.missing == ["ETHUSDT-PERP"]
        assert [r.split(":")[0] for r in caught.value.refused] == ["ETH-USDT@trade"]
        assert "80403" in caught.value.refused[0]
        drop = settings_for(sim, assets, subscribe_per_s=200, on_refused_topic="drop-asset")
        async with BingxPriceFeed(drop) as feed:
            assert feed.missing_assets == ["ETHUSDT-PERP", "SOLUSDT-PERP"], "refused and status-25 assets not served"
            assert feed.assets() == {"BTCUSDT-PERP"}
            assert feed.state is FeedState.LIVE
            assert [(r.topic, r.code) for r in feed.refusals] == [("ETH-USDT@trade", 80403)]
            # The venue leaks one frame of a refused topic (PROTOCOL.md): dropped and counted, never delivered.
            await eventually(lambda: feed.rejected_by_reason().get("unsubscribed-topic", 0) >= 1)
            await eventually(lambda: feed.latest("BTCUSDT-PERP").fresh)


async def test_over_tls_with_the_simulators_ca() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=1, rate_hz=200, tls=True)) as sim:
        assert sim.ws_url.startswith("wss://")
        async with BingxPriceFeed(settings_for(sim, ("BTCUSDT-PERP",), subscribe_per_s=50)) as feed:
            await fresh_tick_after(feed, "BTCUSDT-PERP", 0)


async def test_contracts_are_asked_with_a_timestamp_so_the_venue_does_not_refuse_them() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=1, rate_hz=200)) as sim:
        await sim.apply_fault(Fault.parse("contracts-need-timestamp"))
        async with BingxPriceFeed(settings_for(sim, ("BTCUSDT-PERP",), subscribe_per_s=50)) as feed:
            assert feed.missing_assets == []
            await fresh_tick_after(feed, "BTCUSDT-PERP", 0)


async def test_a_silenced_channel_is_a_silent_stream_while_the_others_flow() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=1, rate_hz=400, profile="uniform")) as sim:
        silent_after = {"quote": 1_000_000_000, "trade": 1_000_000_000}
        s = settings_for(sim, ("BTCUSDT-PERP",), subscribe_per_s=50, silent_after_ns=silent_after)
        async with BingxPriceFeed(s) as feed:
            await eventually(lambda: feed.latest("BTCUSDT-PERP", kind=TickKind.TRADE).fresh, "a first trade")
            await sim.apply_fault(Fault.parse("silence:trade:60000"))
            started = time.monotonic()
            await eventually(lambda: feed.silent_streams() == ["BTC-USDT@trade"], "the silent trade stream named")
            assert time.monotonic() - started < 1.0 + 1.5, "within the detection time (1 s) and a check period"
            assert feed.counters().silent_streams == 1
            assert feed.latest("BTCUSDT-PERP", kind=TickKind.TRADE).freshness is Freshness.SILENT_STREAM
            assert feed.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).fresh


async def test_new_listings_added_while_running_get_sockets_of_their_own_and_the_others_stay_fresh() -> None:
    async with BingxSimulator(BingxSimConfig(symbols=6, rate_hz=600, subscribe_per_s=100)) as sim:
        names = [i.canonical for i in sim.instruments]
        first, later = tuple(names[:3]), names[3:]
        settings = settings_for(sim, first, topics_per_socket=6, subscribe_per_s=50)
        async with BingxPriceFeed(settings) as feed:
            await eventually(lambda: all(feed.latest(a).fresh for a in first), "the first names fresh")
            states: set[FeedState] = set()
            with anyio.fail_after(20):
                added = await feed.add_assets([*later, "NOPEUSDT-PERP", first[0]])
                assert added == sorted(later), "only what the venue lists, and only what is new"
                assert [len(s.assets) for s in feed.shards] == [3, 3], "a socket of their own"
                while not all(feed.latest(a).fresh for a in later):
                    states.add(feed.state)
                    assert all(feed.latest(a).fresh for a in first), "the first socket's names never withheld"
                    await anyio.sleep(0.01)
            assert FeedState.CONNECTING not in states and FeedState.RECONNECTING not in states
            assert feed.assets() == frozenset(names)
            await eventually(lambda: feed.state is FeedState.LIVE, "both sockets up")
            assert len(sim.connections) == 2
