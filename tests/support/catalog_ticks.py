"""A catalog recorder on a manual clock and the ticks it records, for the recorder's tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from violet.domain import ManualClock, NormalizedTick
from violet.recording.catalog_recorder import CatalogRecorder
from violet.recording.nt_records import InstrumentSpec

WALL0 = 1_796_000_000_000_000_000  # 2026-11-30 00:53:20 UTC
MINUTE = 60_000_000_000
SPECS = {
    ("BINANCE", "BTCUSDT-PERP"): InstrumentSpec(
        venue="BINANCE", asset="BTCUSDT-PERP", price_precision=1, size_precision=3
    ),
    ("BINGX", "BTCUSDT-PERP"): InstrumentSpec(venue="BINGX", asset="BTCUSDT-PERP", price_precision=1, size_precision=4),
}


def recorder(root: Path, clock: ManualClock, period_ns: int = 3_600_000_000_000) -> CatalogRecorder:
    """Opened, its wall clock `WALL0` plus the manual clock."""
    rec = CatalogRecorder(root, SPECS, clock=clock, wall_ns=lambda: WALL0 + clock.monotonic_ns(), period_ns=period_ns)
    rec.open()
    return rec


def quote(clock: ManualClock, venue: str, bid: str, ask: str, *, last: str | None = None) -> NormalizedTick:
    return NormalizedTick(
        venue=venue,
        asset="BTCUSDT-PERP",
        bid=Decimal(bid),
        ask=Decimal(ask),
        last=None if last is None else Decimal(last),
        ts_event=WALL0 + clock.monotonic_ns() - 3_000_000,
        mono_ns=clock.monotonic_ns(),
    )
