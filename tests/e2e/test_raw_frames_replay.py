"""Raw frames recorded by `violet record` from both simulators, replayed through the port by the history adapter:
every price the recording holds reaches a reactor's streams, in receive order, with the venue's event times, and
`latest()` answers on the recording's clock."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from violet.adapters.history.frames import read_frames
from violet.adapters.history.records import HistoryRecord
from violet.api import open_planes
from violet.cli.record_command import record
from violet.config import BinanceConfig, BingxConfig, PlaneConfig, VioletConfig
from violet.config.schema import HistoryConfig
from violet.domain import NormalizedTick, TickKind
from violet.sim.binance import BinanceSimConfig, BinanceSimulator
from violet.sim.bingx import BingxSimConfig, BingxSimulator
from violet.study.read_planes import read_to_the_end

pytestmark = pytest.mark.anyio
ASSETS = ["BTCUSDT-PERP", "ETHUSDT-PERP"]

type Seen = tuple[str, object, object, object, int]


def seen_of_record(r: HistoryRecord) -> Seen:
    return (r.asset, r.bid, r.ask, r.last, r.ts_event)


def seen_of_tick(t: NormalizedTick) -> Seen:
    return (t.asset, t.bid, t.ask, t.last, t.ts_event)


async def test_both_planes_recorded_as_raw_frames_replay_every_price_through_the_port(tmp_path: Path) -> None:
    alpha_file, venue_file = tmp_path / "alpha.jsonl.gz", tmp_path / "venue.jsonl.gz"
    async with (
        BinanceSimulator(BinanceSimConfig(symbols=3, rate_hz=200)) as bn,
        BingxSimulator(BingxSimConfig(symbols=3, rate_hz=200, subscribe_per_s=100)) as bx,
    ):
        live = VioletConfig(
            alpha=PlaneConfig(adapter="nt_binance", assets=ASSETS),
            venue=PlaneConfig(adapter="bingx", assets=ASSETS),
            binance=BinanceConfig(http_url=bn.http_url, ws_url=bn.ws_url),
            bingx=BingxConfig(http_url=bx.http_url, ws_url=f"{bx.ws_url}/swap-market"),
        )
        async with anyio.create_task_group() as tg:
            tg.start_soon(record, live, "alpha", alpha_file, 2.0)
            tg.start_soon(record, live, "venue", venue_file, 2.0)
    want = {
        plane: [seen_of_record(r) for r in read_frames(path, venue) if isinstance(r, HistoryRecord)]
        for plane, path, venue in (("alpha", alpha_file, "BINANCE"), ("venue", venue_file, "BINGX"))
    }
    assert all(len(w) > 20 for w in want.values()), {p: len(w) for p, w in want.items()}
    assert {a for a, *_ in want["alpha"]} == {a for a, *_ in want["venue"]} == set(ASSETS)

    replay = VioletConfig(
        alpha=PlaneConfig(adapter="history", assets=ASSETS),
        venue=PlaneConfig(adapter="history", assets=ASSETS),
        history=HistoryConfig(alpha_frames=str(alpha_file), venue_frames=str(venue_file), speed=0),
    )
    got: dict[str, list[Seen]] = {"alpha": [], "venue": []}
    last_recorded = max(
        r.ts_init for f, v in ((alpha_file, "BINANCE"), (venue_file, "BINGX")) for r in read_frames(f, v)
    )
    with anyio.fail_after(60):
        async with open_planes(replay) as planes:
            conflated = await read_to_the_end(
                {"alpha": planes.alpha, "venue": planes.venue}, lambda plane, t: got[plane].append(seen_of_tick(t))
            )
            assert planes.clock.monotonic_ns() == last_recorded, "the replay's clock stopped at the last receive time"
            reading = planes.venue.latest("BTCUSDT-PERP", kind=TickKind.QUOTE)
            newest = [r for r in want["venue"] if r[0] == "BTCUSDT-PERP" and r[1] is not None][-1]
            assert reading.tick is not None and (reading.tick.bid, reading.tick.ask) == (newest[1], newest[2])
    assert conflated == {"alpha": 0, "venue": 0}
    assert got == want, "every recorded price, in receive order, with the venue's event time"
