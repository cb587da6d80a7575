"""A seeded random-walk market that drives an `InMemoryVenue`: the far side of the in-memory demo."""

from __future__ import annotations

import random
import time
from decimal import Decimal

import anyio

from violet.adapters.in_memory.venue import InMemoryVenue, RawUpdate

_START = {"BTC": Decimal("68000.00"), "ETH": Decimal("3500.00"), "SOL": Decimal("150.000")}


class SyntheticMarket:
    """Publishes quotes (and a trade every few quotes) across the venue's assets at `rate_hz` in total."""

    def __init__(self, venue: InMemoryVenue, *, rate_hz: float, seed: int, tick_size: Decimal = Decimal("0.01")):
        if rate_hz <= 0:
            raise ValueError("rate_hz must be > 0")
        self._venue = venue
        self._interval = 1.0 / rate_hz
        self._rng = random.Random(seed)
        self._tick = tick_size
        self._mid = {a: _START.get(a.split("USDT")[0], Decimal("100.00")) for a in venue.assets}

    def step(self, asset: str) -> RawUpdate:
        rng = self._rng
        mid = self._mid[asset] + self._tick * rng.randint(-3, 3)
        mid = max(mid, self._tick * 10)
        self._mid[asset] = mid
        half = self._tick * rng.randint(0, 2)
        ts = time.time_ns()
        if rng.random() < 0.2:
            return RawUpdate(asset=asset, last=format(mid, "f"), ts_event=ts)
        return RawUpdate(asset=asset, bid=format(mid - half, "f"), ask=format(mid + half, "f"), ts_event=ts)

    async def run(self) -> None:
        assets = self._venue.assets
        i = 0
        while True:
            self._venue.publish(self.step(assets[i % len(assets)]))
            i += 1
            await anyio.sleep(self._interval)
