"""A minimal reactor on violet's public API: print a fresh basis per asset, from quotes fresh by their own age.

python examples/reactor.py --duration 30     # exits 0 once every asset had a fresh basis, 1 if time ran out
python examples/reactor.py --config replay.toml   # the same reactor on a recording (adapter = "history")
"""

from __future__ import annotations

import argparse
import sys

import anyio

import violet
from violet.domain import NormalizedTick, TickKind
from violet.ports import VenuePriceFeedPort


async def react(duration_s: float, config: str | None) -> int:
    async with violet.open_planes(config) as planes:  # None: the embedded defaults; else a violet.toml
        assets = sorted(planes.alpha.assets() & planes.venue.assets())
        printed: set[str] = set()

        def decide(tick: NormalizedTick) -> None:
            alpha = planes.alpha.latest(tick.asset, kind=TickKind.QUOTE)
            venue = planes.venue.latest(tick.asset, kind=TickKind.QUOTE)
            if alpha.fresh and venue.fresh and alpha.tick and venue.tick and alpha.tick.mid and venue.tick.mid:
                bps = (venue.tick.mid - alpha.tick.mid) / alpha.tick.mid * 10_000
                print(f"{tick.asset} basis {bps:+.2f} bps (quotes {alpha.age_ns} / {venue.age_ns} ns old)")
                printed.add(tick.asset)

        async def follow(feed: VenuePriceFeedPort) -> None:
            async with feed.subscribe(assets) as stream:
                async for tick in stream:
                    decide(tick)
                    if printed == set(assets):
                        tg.cancel_scope.cancel()

        with anyio.move_on_after(duration_s):
            async with anyio.create_task_group() as tg:
                tg.start_soon(follow, planes.alpha)
                tg.start_soon(follow, planes.venue)
    return 0 if printed == set(assets) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="give up after this many seconds")
    parser.add_argument("--config", help="a violet.toml (default: the embedded defaults)")
    args = parser.parse_args()
    return anyio.run(react, args.duration, args.config, backend="asyncio", backend_options={"use_uvloop": True})


if __name__ == "__main__":
    sys.exit(main())
