"""NT Binance adapter specifics, against the Binance simulator configured as strictly as Binance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

import anyio
import anyio.abc
import anyio.to_thread
import attrs
import msgspec
import pytest
from anyio.abc import SocketAttribute

from tests.support.nt_release import binance_ws_url
from tests.support.waiting import eventually
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings, WrongEventLoop
from violet.adapters.nt_binance.build import nt_major
from violet.adapters.nt_binance.driver import UnsupportedOnThisRelease
from violet.domain import FeedNotReady, FeedState, Freshness, TickKind, UnknownAsset
from violet.secrets import Secret
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

pytestmark = pytest.mark.anyio

only_on_1x = pytest.mark.skipif(nt_major() >= 2, reason="a NautilusTrader 1.x behaviour (2.0: see the test's reason)")


def _one_node_per_thread(fixture_name: str, config: pytest.Config) -> str:
    """2.0 builds one LiveNode per thread: a module-wide feed would refuse every other test's node."""
    return "module" if nt_major() < 2 else "function"


@pytest.fixture(scope=_one_node_per_thread)  # type: ignore[arg-type] # pytest accepts a callable scope
async def strict_venue() -> AsyncIterator[tuple[BinanceSimulator, NtBinancePriceFeed]]:
    """No credentials accepted (a placeholder key gets 401 -2015 on signed endpoints, as on Binance), and an
    exchangeInfo carrying a timeInForce value NT's strict decoder does not know."""
    cfg = BinanceSimConfig(symbols=5, rate_hz=500, extra_time_in_force=("RPI",))
    async with BinanceSimulator(cfg) as sim:
        feed = NtBinancePriceFeed(
            NtBinanceSettings(
                assets=("BTCUSDT-PERP", "ETHUSDT-PERP", "NOPEUSDT-PERP"),
                base_url_http=sim.http_url,
                base_url_ws=binance_ws_url(sim.ws_url),
                api_key=Secret("placeholder"),
                api_secret=Secret("placeholder"),
                subscribe_per_s=50,
            )
        )
        async with feed:
            yield sim, feed


async def test_streams_with_placeholder_keys_and_never_calls_a_signed_endpoint(
    strict_venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    sim, feed = strict_venue
    async with feed.subscribe(["BTCUSDT-PERP", "ETHUSDT-PERP"]) as stream:
        seen: set[str] = set()
        kinds = set()
        with anyio.fail_after(20):
            async for tick in stream:
                seen.add(tick.asset)
                kinds.add(tick.kind.value)
                if seen == {"BTCUSDT-PERP", "ETHUSDT-PERP"} and kinds == {"quote", "trade"}:
                    break
    assert feed.state is FeedState.LIVE
    if nt_major() < 2:
        assert sim.rest_calls == ["/fapi/v1/exchangeInfo"], "only violet's public, tolerant exchangeInfo call"
    else:  # 2.0 loads instruments itself on connect (twice, observed): still never a signed endpoint
        assert set(sim.rest_calls) == {"/fapi/v1/exchangeInfo"}, sim.rest_calls
    assert feed.latest("BTCUSDT-PERP").fresh


@only_on_1x  # 2.0 decodes exchangeInfo in Rust, which takes the value (the streaming test above runs on it)
async def test_unknown_time_in_force_breaks_nts_decoder_but_not_violet(
    strict_venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    import aiohttp
    from nautilus_trader.adapters.binance.futures.schemas.market import BinanceFuturesExchangeInfo

    sim, feed = strict_venue
    async with aiohttp.ClientSession() as http, http.get(f"{sim.http_url}/fapi/v1/exchangeInfo") as r:
        body = await r.read()
    with pytest.raises(msgspec.ValidationError, match="RPI"):
        msgspec.json.decode(body, type=BinanceFuturesExchangeInfo)
    assert {"BTCUSDT-PERP", "ETHUSDT-PERP"} == feed.assets()


async def test_an_instrument_the_venue_does_not_list_is_a_typed_error_at_subscribe(
    strict_venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    _, feed = strict_venue
    assert feed.missing_assets == ["NOPEUSDT-PERP"]
    with pytest.raises(UnknownAsset):
        async with feed.subscribe(["NOPEUSDT-PERP"]):
            pass


async def test_venue_disconnect_reports_reconnecting_and_stale_then_recovers(
    strict_venue: tuple[BinanceSimulator, NtBinancePriceFeed],
) -> None:
    from violet.sim.engine.faults import Fault

    sim, feed = strict_venue
    before = feed.counters().reconnects
    sim.accepting = False
    await sim.apply_fault(Fault.parse("reset"))
    # Both route sockets reset: the plane is down once each is seen down (one may be seen a watch pass before the
    # other: degraded meanwhile).
    await eventually(lambda: feed.state is FeedState.RECONNECTING, "both routes down", 10)
    assert feed.latest("BTCUSDT-PERP").freshness is Freshness.FEED_DOWN
    sim.accepting = True
    async with feed.subscribe(["BTCUSDT-PERP"]) as stream:
        with anyio.fail_after(30):
            async for _ in stream:
                if feed.latest("BTCUSDT-PERP").fresh:
                    break
    await eventually(lambda: feed.state is FeedState.LIVE, "both routes back", 30)
    assert feed.counters().reconnects == before + 1


async def test_refuses_a_worker_thread() -> None:
    feed = NtBinancePriceFeed(NtBinanceSettings(assets=("BTCUSDT-PERP",), base_url_http="http://127.0.0.1:9"))

    def in_thread() -> None:
        async def enter() -> None:
            async with feed:
                pass

        anyio.run(enter, backend="asyncio")

    assert threading.current_thread() is threading.main_thread()
    with pytest.raises(WrongEventLoop, match="main thread"):
        await anyio.to_thread.run_sync(in_thread)


async def test_refuses_trio() -> None:
    feed = NtBinancePriceFeed(NtBinanceSettings(assets=("BTCUSDT-PERP",), base_url_http="http://127.0.0.1:9"))

    async def enter() -> None:
        async with feed:
            pass

    # In a fresh thread: this test's own thread already runs the asyncio loop.
    with pytest.raises(WrongEventLoop, match="asyncio"):
        await anyio.to_thread.run_sync(lambda: anyio.run(enter, backend="trio"))


SECRET_KEY = "k3y-MUST-NOT-LEAK-7f3a"
SECRET_SECRET = "s3cret-MUST-NOT-LEAK-91bd"

_PROBE = """
import anyio
from violet.adapters.nt_binance import NtBinancePriceFeed, NtBinanceSettings
from violet.bench.sim_process import binance_ws_url
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.engine.faults import Fault

async def main() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=200)) as sim:
        ws = binance_ws_url(sim.ws_url)  # 2.0 runs: Binance's own host name (tests/support/nt_release.py)
        settings = NtBinanceSettings(assets=("BTCUSDT-PERP",), base_url_http=sim.http_url, base_url_ws=ws,
                                     nt_log_level="DEBUG", subscribe_per_s=50)
        print(settings, repr(settings.api_key), f"{settings.api_secret}")
        async with NtBinancePriceFeed(settings) as feed, feed.subscribe(["BTCUSDT-PERP"]) as stream:
            async for tick in stream:
                print("TICK", tick)
                break

anyio.run(main, backend="asyncio", backend_options={"use_uvloop": True})
"""


def test_credentials_come_from_the_environment_and_never_appear_in_any_output() -> None:
    env = dict(os.environ, BINANCE_FUTURES_API_KEY=SECRET_KEY, BINANCE_FUTURES_API_SECRET=SECRET_SECRET)
    proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "TICK" in proc.stdout, "the probe streamed with the environment's credentials"
    assert "DEBUG" in output, "NT logged at DEBUG, so its whole output was searched"
    assert SECRET_KEY not in output and SECRET_SECRET not in output
    assert "***redacted***" in proc.stdout


async def test_a_venue_that_never_answers_ends_in_feed_not_ready_with_the_node_stopped() -> None:
    """Entering waits at most `ready_timeout_s`, even though NautilusTrader's node runs shielded until it is stopped:
    the WebSocket side is a listener that accepts and never speaks, so the feed can never be ready, and entering must
    raise FeedNotReady (it hung for good when the node was stopped only after the readiness wait had ended)."""

    async def hold(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            await anyio.sleep_forever()

    async with (
        BinanceSimulator(BinanceSimConfig(symbols=2, market=False)) as sim,
        await anyio.create_tcp_listener(local_host="127.0.0.1") as silent,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(silent.serve, hold)
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=f"ws://127.0.0.1:{silent.extra(SocketAttribute.local_port)}",
            ready_timeout_s=1.0,
        )
        with anyio.fail_after(60), pytest.raises(FeedNotReady) as caught:
            async with NtBinancePriceFeed(settings):
                pytest.fail("entered a feed whose venue never answered")
        tg.cancel_scope.cancel()
    assert caught.value.missing == ["BTCUSDT-PERP"]
    assert "0 stream(s) acked" in caught.value.detail


@pytest.mark.parametrize("late_route", ["public", "market"])
async def test_a_route_whose_socket_comes_up_later_still_makes_the_feed_ready(late_route: str) -> None:
    """One asset: NT names each route's only stream in its connect URL, so nothing is acked and the feed is ready
    when both sockets are up. One route's socket came up later than the other's (as over any real network) and
    the feed, live since the first, never looked again: FeedNotReady after the whole timeout (in 1 of 5 CI runs)."""
    cfg = BinanceSimConfig(symbols=2, rate_hz=200, handshake_delay_ms=((late_route, 300.0),))
    async with BinanceSimulator(cfg) as sim:
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=binance_ws_url(sim.ws_url),
            ready_timeout_s=10.0,
        )
        async with NtBinancePriceFeed(settings) as feed:
            assert feed.unconfirmed_assets() == []
            assert sim.connects_by_route == {"public": 1, "market": 1}


SILENT_AFTER = {"quote": 1_000_000_000, "trade": 1_000_000_000}


@pytest.mark.parametrize("how", ["public-route-for-both", "silence-fault"])
async def test_a_trade_stream_that_never_speaks_is_a_silent_stream_while_quotes_flow(how: str) -> None:
    """The route enforcement (a URL naming /public is used as given for both NT clients, so `@aggTrade` is acked
    there and never sent) and the `silence:aggTrade` fault: either way the trades of an asset go quiet while its
    quotes flow, and violet says so within its detection time instead of serving a live-looking feed."""
    if how == "public-route-for-both" and nt_major() >= 2:
        pytest.skip("2.0 confirms a stream by its first tick: a trade stream that never speaks keeps it from ready")
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=300, profile="uniform")) as sim:
        ws = f"{sim.ws_url}/public" if how == "public-route-for-both" else binance_ws_url(sim.ws_url)
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=ws,
            subscribe_per_s=50,
            silent_after_ns=SILENT_AFTER,
        )
        async with NtBinancePriceFeed(settings) as feed:
            with anyio.fail_after(20):
                while not feed.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).fresh:
                    await anyio.sleep(0.02)
            if how == "silence-fault":
                with anyio.fail_after(20):
                    while not feed.latest("BTCUSDT-PERP", kind=TickKind.TRADE).fresh:
                        await anyio.sleep(0.02)
                await sim.apply_fault(Fault.parse("silence:aggTrade:60000"))
            started = time.monotonic()
            with anyio.fail_after(10):
                while feed.silent_streams() != ["btcusdt@aggTrade"]:
                    await anyio.sleep(0.02)
            # Detection time (1 s) + a check period (0.25 s), with room for a starved 2-core CI machine; a detector
            # that waited for anything else (the 60 s fault, a reconnect) would be far outside it.
            assert time.monotonic() - started < 1.0 + 3.0, "within the detection time and a check period"
            assert feed.counters().silent_streams == 1
            assert feed.latest("BTCUSDT-PERP", kind=TickKind.QUOTE).fresh, "the quotes still flow"
            if how == "silence-fault":
                assert feed.latest("BTCUSDT-PERP", kind=TickKind.TRADE).freshness is Freshness.SILENT_STREAM


@only_on_1x  # 2.0 has no @trade stream for futures: refused, test below
async def test_the_trade_stream_read_by_violet_refuses_prints_that_are_not_the_market() -> None:
    """`trades = "trade"`: `@trade` on the public route, read beside NautilusTrader with Binance's `X`."""
    async with BinanceSimulator(BinanceSimConfig(symbols=2, market=False)) as sim:
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=binance_ws_url(sim.ws_url),
            subscribe_per_s=50,
            trade_stream="trade",
        )
        async with NtBinancePriceFeed(settings) as feed, feed.subscribe(["BTCUSDT-PERP"]) as stream:
            public = [c.topics for c in sim.connections.values() if c.path.startswith("/public")]
            assert any("btcusdt@trade" in t for t in public), public
            assert not any("btcusdt@aggTrade" in c.topics for c in sim.connections.values())
            now = int(time.time() * 1000)
            market = sim.market.trade("BTC", now)
            adl = attrs.evolve(sim.market.trade("BTC", now + 1), kind="ADL", price="1.00")
            fence = sim.market.trade("BTC", now + 2)
            for event in (market, adl, fence):
                sim.publish(event)
            got = []
            with anyio.fail_after(10):
                async for tick in stream:
                    got.append(tick)
                    if tick.ts_event == (now + 2) * 1_000_000:
                        break
            lasts = [str(t.last) for t in got]
            assert adl.price not in lasts and lasts[-1] == fence.price, "the ADL print is never `last`"
            # A slow reader may have had the first trade conflated into the fence (latest value per asset and kind).
            assert len(got) + stream.conflated_by_asset().get("BTCUSDT-PERP", 0) == 2
            assert feed.rejected_by_reason()["non-market-trade"] == 1


async def test_an_in_process_plane_leaves_the_callers_signals_as_they_were() -> None:
    """NautilusTrader's kernel takes SIGINT, SIGTERM and SIGABRT on the loop it is given (and swallows SIGTERM); the
    adapter gives them back, so a reactor's Ctrl-C and its service manager's SIGTERM still reach it."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)}
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=100)) as sim:
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=binance_ws_url(sim.ws_url),
            api_key=Secret("placeholder"),
            api_secret=Secret("placeholder"),
        )
        async with NtBinancePriceFeed(settings):
            during = {sig: signal.getsignal(sig) for sig in before}
    assert during == before, "NautilusTrader's handlers were left on the caller's loop"


@pytest.mark.skipif(nt_major() < 2, reason="1.x reads @trade beside NautilusTrader (the test above)")
async def test_on_2_0_the_trade_stream_read_by_violet_is_refused_typed_at_start() -> None:
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=100)) as sim:
        settings = NtBinanceSettings(
            assets=("BTCUSDT-PERP",),
            base_url_http=sim.http_url,
            base_url_ws=binance_ws_url(sim.ws_url),
            trade_stream="trade",
        )
        with anyio.fail_after(60), pytest.raises(UnsupportedOnThisRelease, match="only from @aggTrade"):
            async with NtBinancePriceFeed(settings):
                pytest.fail("entered a plane whose trades 2.0 cannot carry")
