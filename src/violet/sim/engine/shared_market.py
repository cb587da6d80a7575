"""The live profile's market: one mid-price path per asset that every simulator process follows, and activity that
is heavy-tailed across assets (a few busy names, many quiet ones), as on the real venues.

The path is a function of wall time and the seed alone (value noise summed over octaves whose amplitude grows with
the square root of their period, so it moves like a random walk from 250 ms to ~17 minutes), so the Binance and
BingX simulators, started separately, quote the same market without talking to each other; BingX reads it `lag_ms`
late (it follows Binance, as on the live venues). Trade prints carry Binance's `X`: almost all MARKET, rarely an
ADL or INSURANCE_FUND print away from the market.
"""

from __future__ import annotations

import bisect
import itertools
import random
import zlib
from decimal import Decimal

from violet.sim.engine.market import MarkEvent, QuoteEvent, TradeEvent, fmt_units
from violet.sim.engine.universe import Instrument

_MASK = (1 << 64) - 1
_OCTAVES_MS = (250, 1_000, 4_000, 16_000, 64_000, 256_000, 1_024_000)
VOL_PER_SQRT_S = 1.2e-4
"""Relative mid move per sqrt(second) (about 1 bp a second; a quiet hour moves ~0.7 %): an assumption."""
ACTIVITY_EXPONENT = 1.1
"""Zipf exponent of activity by rank: with 50 names the busiest takes ~22 % of the events, the quietest ~0.3 %."""
RARE_PRINT_SHARE = 1 / 2_000
"""Share of trades that are ADL or INSURANCE_FUND prints (assumption: rare, as on the venue)."""


def _mix(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class MidPath:
    """Value noise per asset: each octave interpolates between random values at its grid points. A grid point's
    value is a hash of (asset, octave, point); the two around the last time read are kept per asset and octave, so a
    busy asset's mid costs a few float operations instead of four 64-bit hashes an octave (the simulators spent half
    their CPU here at 600 assets)."""

    def __init__(self, seed: int, *, vol_per_sqrt_s: float = VOL_PER_SQRT_S) -> None:
        self._seed = seed & _MASK
        self._octaves = tuple(
            (octave, period, vol_per_sqrt_s * (period / 1000) ** 0.5) for octave, period in enumerate(_OCTAVES_MS)
        )
        self._assets: dict[str, tuple[int, int, list[tuple[int, float, float]]]] = {}
        """Per asset: its start price in units, its hash key, and per octave (grid point k, value at k, at k + 1)."""

    def _value(self, key: int, octave: int, k: int) -> float:
        return _mix(key ^ _mix(octave << 48 ^ k)) / _MASK * 2 - 1

    def mid_units(self, inst: Instrument, t_ms: int) -> int:
        """The mid in units of the instrument's price precision at wall time `t_ms`."""
        base = inst.base
        state = self._assets.get(base)
        if state is None:
            start = int(Decimal(inst.start_price).scaleb(inst.price_decimals))
            key = _mix(self._seed ^ zlib.crc32(base.encode()))
            # k is never -2 nor -1 (t_ms >= 0): every octave's values are computed on the first read.
            state = self._assets[base] = (start, key, [(-2, 0.0, 0.0)] * len(self._octaves))
        start, key, cells = state
        x = 0.0
        for octave, period, amp in self._octaves:
            k, r = divmod(t_ms, period)
            cell_k, a, b = cells[octave]
            if cell_k != k:
                a = b if k == cell_k + 1 else self._value(key, octave, k)
                b = self._value(key, octave, k + 1)
                cells[octave] = (k, a, b)
            f = r / period
            f = f * f * (3 - 2 * f)  # smoothstep: no kinks at grid points
            x += amp * (a + (b - a) * f)
        return max(20, round(start * (1 + x)))


def activity_weights(n: int) -> list[float]:
    """Share of the market's events per instrument, by rank (the universe lists the large caps first)."""
    raw = [1 / (i + 1) ** ACTIVITY_EXPONENT for i in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


def daily_quote_volumes(instruments: tuple[Instrument, ...], total_usdt: float) -> dict[str, str]:
    """24 h quote volume per instrument (base -> USDT, two decimals): the market's total split by activity, so the
    names that trade most also rank first by volume (live, volume is as heavy-tailed as activity)."""
    return {
        inst.base: f"{total_usdt * w:.2f}"
        for inst, w in zip(instruments, activity_weights(len(instruments)), strict=True)
    }


class SharedMarket:
    """Same surface as `RandomWalkMarket`, on the shared path: `quote`, `trade`, `mark`, `next_event`."""

    def __init__(
        self, instruments: tuple[Instrument, ...], *, seed: int, lag_ms: int = 0, trade_share: float = 0.15
    ) -> None:
        self.instruments = instruments
        self.path = MidPath(seed)
        self.lag_ms = lag_ms
        self._by_base = {i.base: i for i in instruments}
        self._rng = random.Random(seed ^ lag_ms)
        self._trade_share = trade_share
        self._cum = list(itertools.accumulate(activity_weights(len(instruments))))
        self._ids = {
            i.base: [9_924_360_161_244 + n * 1_000_000, 7_947_574_407 + n * 1_000_000]
            for n, i in enumerate(instruments)
        }
        self._top: dict[str, tuple[int, int]] = {}

    def instrument(self, base: str) -> Instrument:
        return self._by_base[base]

    def top_units(self, base: str, ts_ms: int) -> tuple[int, int]:
        """(bid, ask) in price units at `ts_ms` on this venue (the path read `lag_ms` late), 1-3 ticks apart."""
        mid = self.path.mid_units(self._by_base[base], ts_ms - self.lag_ms)
        half = 1 + (_mix(mid) % 2)
        return mid - half, mid + half

    def _qty(self, inst: Instrument) -> str:
        return fmt_units(self._rng.randint(1, 5000), inst.qty_decimals)

    def quote(self, base: str, ts_ms: int) -> QuoteEvent:
        inst = self._by_base[base]
        bid, ask = self.top_units(base, ts_ms)
        self._top[base] = (bid, ask)
        ids = self._ids[base]
        ids[0] += self._rng.randint(1, 40)
        d = inst.price_decimals
        return QuoteEvent(
            inst=inst,
            bid=fmt_units(bid, d),
            bid_qty=self._qty(inst),
            ask=fmt_units(ask, d),
            ask_qty=self._qty(inst),
            update_id=ids[0],
            ts_ms=ts_ms,
        )

    def trade(self, base: str, ts_ms: int) -> TradeEvent:
        inst = self._by_base[base]
        bid, ask = self._top.get(base) or self.top_units(base, ts_ms)
        maker = self._rng.random() < 0.5
        price, kind = (bid if maker else ask), "MARKET"
        if self._rng.random() < RARE_PRINT_SHARE:
            kind = self._rng.choice(("ADL", "INSURANCE_FUND"))
            price = round(price * (1 + self._rng.choice((-1, 1)) * self._rng.uniform(0.005, 0.02)))
        ids = self._ids[base]
        ids[1] += 1
        return TradeEvent(
            inst=inst,
            price=fmt_units(max(1, price), inst.price_decimals),
            qty=self._qty(inst),
            trade_id=ids[1],
            agg_id=ids[1] - 7_000_000_000,
            buyer_is_maker=maker,
            ts_ms=ts_ms,
            kind=kind,
        )

    def mark(self, base: str, ts_ms: int) -> MarkEvent:
        inst = self._by_base[base]
        d = inst.price_decimals + 2
        mark = self.path.mid_units(inst, ts_ms - self.lag_ms) * 100 + self._rng.randint(-50, 50)
        return MarkEvent(
            inst=inst,
            mark=fmt_units(mark, d),
            index=fmt_units(mark + self._rng.randint(-80, 80), d),
            funding_rate=fmt_units(self._rng.randint(0, 20_000), 8),
            next_funding_ms=(ts_ms // 28_800_000 + 1) * 28_800_000,
            ts_ms=ts_ms,
        )

    def pick(self) -> Instrument:
        """An instrument drawn by activity: busy names often, quiet ones rarely."""
        return self.instruments[bisect.bisect_left(self._cum, self._rng.random() * self._cum[-1])]

    def next_event(self, ts_ms: int) -> QuoteEvent | TradeEvent:
        inst = self.pick()
        if self._rng.random() < self._trade_share:
            return self.trade(inst.base, ts_ms)
        return self.quote(inst.base, ts_ms)
