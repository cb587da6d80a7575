"""The simulated instrument universe: up to 2,000 perpetuals with realistic prices and precisions."""

from __future__ import annotations

import attrs

# (base, start price, price decimals, quantity decimals): the large caps first, as in a real scan universe.
_KNOWN: tuple[tuple[str, str, int, int], ...] = (
    ("BTC", "68000.00", 2, 3),
    ("ETH", "3500.00", 2, 3),
    ("SOL", "150.000", 3, 0),
    ("BNB", "600.00", 2, 2),
    ("XRP", "0.5500", 4, 1),
    ("DOGE", "0.150000", 6, 0),
    ("ADA", "0.45000", 5, 0),
    ("AVAX", "35.000", 3, 0),
    ("LINK", "15.000", 3, 2),
    ("DOT", "7.000", 3, 1),
    ("LTC", "85.00", 2, 3),
    ("TRX", "0.12000", 5, 0),
    ("NEAR", "6.000", 3, 0),
    ("APT", "9.0000", 4, 1),
    ("ARB", "1.0000", 4, 1),
    ("OP", "2.5000", 4, 1),
    ("SUI", "1.5000", 4, 1),
    ("ATOM", "8.000", 3, 2),
    ("FIL", "5.000", 3, 1),
    ("INJ", "25.000", 3, 1),
)


@attrs.frozen(kw_only=True)
class Instrument:
    base: str
    start_price: str
    price_decimals: int
    qty_decimals: int

    @property
    def canonical(self) -> str:
        """violet's asset id."""
        return f"{self.base}USDT-PERP"


MAX_SYMBOLS = 2_000
"""More than either venue lists (Binance 924 symbols of every kind on 2026-10-07; BingX several hundred)."""


def make_universe(n: int) -> tuple[Instrument, ...]:
    if not 1 <= n <= MAX_SYMBOLS:
        raise ValueError(f"the simulated universe has 1..{MAX_SYMBOLS} symbols")
    out = [Instrument(base=b, start_price=p, price_decimals=d, qty_decimals=q) for b, p, d, q in _KNOWN[:n]]
    for i in range(len(out), n):
        # Synthetic names beyond the known list; prices spread over several orders of magnitude.
        price = ("12.345", "0.23456", "456.78", "3.4567")[i % 4]
        decimals = len(price.split(".")[1])
        out.append(Instrument(base=f"SIM{i:03d}", start_price=price, price_decimals=decimals, qty_decimals=1))
    return tuple(out)
