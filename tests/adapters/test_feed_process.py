"""`violet feed` as a process: SIGKILL makes readers stale within their budget; a restart is picked up."""

from __future__ import annotations

import os
import secrets
import signal
import sys
from pathlib import Path

import anyio
import pytest

from tests.contract.harnesses.remote_shm import feed_config, feed_process, shm_reader
from tests.support.waiting import eventually
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.shm_layout import segment_name
from violet.config import BingxConfig, BridgeConfig, FeedConfig, PlaneConfig, VioletConfig, dump_config
from violet.domain import FeedState, Freshness, TickKind
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator

pytestmark = pytest.mark.anyio
ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP")
S = 1_000_000_000


async def test_sigkill_goes_stale_within_budget_and_a_restarted_feed_is_picked_up(tmp_path: Path) -> None:
    prefix = f"kt{secrets.token_hex(3)}"
    budget_ns = 1_000_000_000
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=400)) as sim:
        cfg = feed_config(sim, prefix, ASSETS)
        reader = shm_reader(prefix, ASSETS, budget_ns=budget_ns)
        # Entering a remote reader waits for its feed's heartbeat (readiness): the feed process comes first.
        async with feed_process(cfg, tmp_path) as proc, reader:
            await eventually(lambda: reader.latest("BTCUSDT-PERP").fresh)
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = anyio.current_time()
            await eventually(lambda: not reader.latest("BTCUSDT-PERP").fresh, timeout_s=5)
            went_stale_after = anyio.current_time() - killed_at
            assert went_stale_after < budget_ns / 1e9, "stale within the consumer's budget"
            assert reader.state is FeedState.RECONNECTING
            await proc.wait()
            async with feed_process(cfg, tmp_path):
                await eventually(lambda: reader.latest("BTCUSDT-PERP").fresh and reader.attaches >= 2)
                assert reader.state.value == "live"
        assert reader.counters().reconnects >= 1, "the outage was counted"


async def test_a_quote_the_source_accepted_while_it_was_starting_reaches_the_bridge(tmp_path: Path) -> None:
    """BingX sends each book's snapshot right after its subscription, while the plane's later subscriptions are still
    paced (it is ready once every topic is answered), and on a quiet name nothing may follow for seconds. That first
    quote must reach the bridge, not only the source inside the feed: while the publisher was attached once the
    source was ready, such a name read NO_DATA in the reactor until its next change (4.5-9 s at 600 symbols)."""
    prefix = f"kb{secrets.token_hex(3)}"
    async with BingxSimulator(BingxSimConfig(symbols=2, market=False)) as sim:
        cfg = VioletConfig(
            alpha=PlaneConfig(adapter="in_memory"),
            venue=PlaneConfig(adapter="remote_shm", assets=list(ASSETS)),
            # One request a window: the first book's snapshot comes while the three other topics wait their turn.
            bingx=BingxConfig(http_url=sim.http_url, ws_url=f"{sim.ws_url}/swap-market", subscribe_per_s=1),
            bridge=BridgeConfig(shm_prefix=prefix, heartbeat_ms=50.0),
            feed=FeedConfig(health_interval_s=60.0),
        )
        # A budget longer than the start: the quotes reach this reader only once the feed beats (after its start).
        settings = RemoteShmSettings(bridge=f"{prefix}-venue", venue="bingx", assets=ASSETS, staleness_budget_ns=30 * S)
        reader = RemoteShmPriceFeed(settings)
        async with feed_process(dump_config(cfg), tmp_path), reader:
            # No market runs: each book's snapshot is its only quote.
            def quoted() -> list[str]:
                return [a for a in ASSETS if reader.latest(a, kind=TickKind.QUOTE).tick is not None]

            await eventually(lambda: quoted() == list(ASSETS), what="both snapshots' quotes", timeout_s=10)


async def test_a_shards_sigkill_and_restart_make_only_its_assets_stale_then_fresh(tmp_path: Path) -> None:
    """Two feed processes, each with its own NautilusTrader node and sockets, publishing one plane: SIGKILL one and
    only its assets go stale (the plane is degraded, not down); its restart makes them fresh, the others never
    blink."""
    prefix = f"ks{secrets.token_hex(3)}"
    assets = ("BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP")
    slices = (("BTCUSDT-PERP", "SOLUSDT-PERP"), ("ETHUSDT-PERP",))  # dealt out in config order
    async with BinanceSimulator(BinanceSimConfig(symbols=3, rate_hz=300)) as sim:
        cfg = feed_config(sim, prefix, assets, shards=2)
        reader = shm_reader(prefix, assets, shards=slices)
        async with feed_process(cfg, tmp_path, shard=0), feed_process(cfg, tmp_path, shard=1) as victim, reader:

            def fresh() -> dict[str, bool]:
                return {a: reader.latest(a, kind=TickKind.QUOTE).fresh for a in assets}

            await eventually(lambda: all(fresh().values()), "every asset fresh from its shard", timeout_s=30)
            os.kill(victim.pid, signal.SIGKILL)
            await eventually(lambda: not fresh()["ETHUSDT-PERP"], "the killed shard's asset stale", timeout_s=5)
            assert reader.latest("ETHUSDT-PERP", kind=TickKind.QUOTE).freshness is Freshness.FEED_DOWN
            assert reader.state is FeedState.DEGRADED
            assert reader.assets_down() == ["ETHUSDT-PERP"]
            untouched = anyio.current_time()
            async with feed_process(cfg, tmp_path, shard=1):
                while not fresh()["ETHUSDT-PERP"]:  # the others stay fresh on every look until it is back
                    assert fresh()["BTCUSDT-PERP"] and fresh()["SOLUSDT-PERP"], "another shard's asset went stale"
                    assert anyio.current_time() - untouched < 60, "the restarted shard never made its asset fresh"
                    await anyio.sleep(0.01)
                counters = reader.counters()
                assert counters.carrier_outages == 1, "one shard outage, counted once"
                assert counters.reconnects == 0, "the plane itself never went down"


async def _stop_running_feed(tmp_path: Path) -> tuple[int, Path]:
    prefix = f"cs{secrets.token_hex(3)}"
    async with BinanceSimulator(BinanceSimConfig(symbols=2, rate_hz=100)) as sim:
        async with feed_process(feed_config(sim, prefix, ASSETS), tmp_path) as proc:
            shm = Path("/dev/shm") / segment_name(f"{prefix}-alpha")
            assert proc.stdout is not None
            with anyio.fail_after(60):
                assert b'"feed":"ready"' in await proc.stdout.receive(), "stop it once it says it is up"
            await eventually(shm.exists)
            assert (shm.stat().st_mode & 0o777) == 0o600, "private to its user"
            proc.send_signal(signal.SIGTERM)
            with anyio.fail_after(60):
                code = await proc.wait()
        return code, shm


async def test_sigterm_stops_a_running_feed_and_leaves_no_shared_memory(tmp_path: Path) -> None:
    _, shm = await _stop_running_feed(tmp_path)
    assert not shm.exists()


async def test_sigterm_exit_code_of_a_running_feed_is_0(tmp_path: Path) -> None:
    code, _ = await _stop_running_feed(tmp_path)
    assert code == 0


async def test_a_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[alpha]\nadapter = 'remote_shm'\nstaleness_budget_ms = -1\n")
    proc = await anyio.run_process([sys.executable, "-m", "violet", "feed", "--config", str(bad)], check=False)
    assert proc.returncode == 2
    assert b"alpha.staleness_budget_ms" in proc.stderr
