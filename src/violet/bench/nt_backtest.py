"""NautilusTrader's own backtest engine over a catalog violet recorded: every quote and trade handed to a strategy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import attrs
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import QuoteTick, TradeTick
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.objects import Money
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog
from nautilus_trader.trading.strategy import Strategy


class _Counting(Strategy):  # type: ignore[misc]  # NautilusTrader ships Strategy without stubs
    """Counts what the engine hands it, per type, and the crossed quotes among them."""

    def __init__(self, instrument_ids: list[Any]) -> None:
        super().__init__()
        self.ids = instrument_ids
        self.quotes = 0
        self.trades = 0
        self.crossed = 0

    def on_start(self) -> None:
        for iid in self.ids:
            self.subscribe_quote_ticks(iid)
            self.subscribe_trade_ticks(iid)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.quotes += 1
        self.crossed += tick.bid_price > tick.ask_price

    def on_trade_tick(self, tick: TradeTick) -> None:
        self.trades += 1


@attrs.frozen(kw_only=True)
class BacktestCounts:
    instruments: int
    in_catalog: tuple[int, int]
    """Quotes and trades NautilusTrader's catalog returns."""
    seen: tuple[int, int]
    """Quotes and trades the engine handed the strategy."""
    crossed: int
    load_s: float
    run_s: float


def run_backtest(root: Path) -> BacktestCounts:
    """Load the catalog with `ParquetDataCatalog`, run a `BacktestEngine` with one margin venue per recorded venue
    over all of it, and count."""
    t0 = time.perf_counter()
    catalog = ParquetDataCatalog(str(root))
    instruments = catalog.instruments()
    quotes, trades = catalog.quote_ticks(), catalog.trade_ticks()
    t1 = time.perf_counter()
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
    try:
        for venue in {i.id.venue for i in instruments}:
            engine.add_venue(
                venue=venue,
                oms_type=OmsType.NETTING,
                account_type=AccountType.MARGIN,
                base_currency=USDT,
                starting_balances=[Money(10_000, USDT)],
            )
        for instrument in instruments:
            engine.add_instrument(instrument)
        engine.add_data(quotes)
        engine.add_data(trades)
        strategy = _Counting([i.id for i in instruments])
        engine.add_strategy(strategy)
        engine.run()
        seen = (strategy.quotes, strategy.trades)
        crossed = strategy.crossed
    finally:
        engine.dispose()
    return BacktestCounts(
        instruments=len(instruments),
        in_catalog=(len(quotes), len(trades)),
        seen=seen,
        crossed=crossed,
        load_s=t1 - t0,
        run_s=time.perf_counter() - t1,
    )
