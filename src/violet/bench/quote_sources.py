"""How often a fresh BingX quote exists, per quote source, against the simulator's live profile (or any BingX-shaped
endpoint): the measurement `[bingx] quote_source`'s default was chosen by.

One feed per source (book, bookTicker, depth5) reads the same simulator at once; every `sample_ms` each feed's quote
reading is taken for a few assets, and the table gives the share of samples with a fresh quote at each budget and
the distribution of the quote's age. The simulator's cadences are its model of the live venue (PROTOCOL.md section
11); against a recording of the real venue, drive the simulator with `--cadence-from` to re-check.
"""

from __future__ import annotations

from typing import Any, get_args

import anyio
from hdrh.histogram import HdrHistogram

from violet import defaults as d
from violet.adapters.bingx import BingxPriceFeed, BingxSettings
from violet.bench.markdown_table import table
from violet.bench.sim_process import start_sim, stop_sim
from violet.domain import TickKind

SOURCES: tuple[d.BingxQuoteSource, ...] = get_args(d.BingxQuoteSource)
BUDGETS_MS = (250, 1_000, 2_000)


async def quote_sources(*, symbols: int, seconds: float, sample_ms: float = 20.0) -> list[dict[str, Any]]:
    sim = await start_sim("bingx", symbols=symbols, rate=symbols * 20.0, tls=False, pin=False, profile="live")
    try:
        assets = list(sim.info["symbols"])
        watched = [a for a in ("BTCUSDT-PERP", "ETHUSDT-PERP") if a in assets] + [assets[-1]]
        feeds = {
            source: BingxPriceFeed(
                BingxSettings(
                    assets=tuple(assets),
                    base_url_http=sim.info["http"],
                    ws_url=f"{sim.info['ws']}/swap-market",
                    quote_source=source,
                    subscribe_per_s=9.0,
                    topics_per_socket=200,
                )
            )
            for source in SOURCES
        }
        fresh = {(s, a, b): 0 for s in SOURCES for a in watched for b in BUDGETS_MS}
        ages = {(s, a): HdrHistogram(1, 3_600_000, 3) for s in SOURCES for a in watched}
        samples = 0
        async with feeds["book"], feeds["bookTicker"], feeds["depth5"]:
            await anyio.sleep(3.0)  # every book's snapshot in; the first quotes out
            with anyio.move_on_after(seconds):
                while True:
                    await anyio.sleep(sample_ms / 1000)
                    samples += 1
                    for source, feed in feeds.items():
                        for asset in watched:
                            reading = feed.latest(asset, kind=TickKind.QUOTE, budget_ns=3_600_000_000_000)
                            if reading.age_ns is None:
                                continue
                            age_ms = reading.age_ns / 1e6
                            ages[(source, asset)].record_value(max(1, int(age_ms)))
                            for budget in BUDGETS_MS:
                                fresh[(source, asset, budget)] += age_ms <= budget
        return [
            {
                "source": source,
                "asset": asset,
                "samples": samples,
                **{f"fresh_{b}ms": fresh[(source, asset, b)] / max(1, samples) for b in BUDGETS_MS},
                **{f"age_p{p}_ms": ages[(source, asset)].get_value_at_percentile(p) for p in (50, 90, 99)},
                "age_max_ms": ages[(source, asset)].get_max_value(),
            }
            for source in SOURCES
            for asset in watched
        ]
    finally:
        await stop_sim(sim)


def markdown(rows: list[dict[str, Any]]) -> str:
    header = "source | asset | fresh at 250 ms | at 1 s | at 2 s | age p50 | p90 | p99 | max"
    cells = [
        [
            r["source"],
            r["asset"],
            *(f"{r[f'fresh_{b}ms']:.1%}" for b in BUDGETS_MS),
            *(f"{r[f]} ms" for f in ("age_p50_ms", "age_p90_ms", "age_p99_ms", "age_max_ms")),
        ]
        for r in rows
    ]
    return "\n".join(table(header, cells)) + "\n"
