"""Contract harness for the history adapter: its far side is a NautilusTrader catalog being written.

Each publication becomes NautilusTrader records written into a real catalog through violet's recording path
(`CatalogFiles`: NautilusTrader's own writer, staged and renamed into place) by a flush as soon as anything is
pending; the adapter under test follows the catalog as a replay of a recording still in progress. The replay's clock
is the harness's: each publication is received one nanosecond after the one before, and the tests age ticks by
advancing it.
Invalid data is what a catalog can hold (NautilusTrader accepts crossed, zero and negative prices; a non-numeric,
NaN or one-sided quote cannot be written at all).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price, Quantity

from tests.contract.harness import BAD_QUOTES, Capabilities, Defect, OneCarrier, VenueUpdate
from violet.adapters.history import HistoryPriceFeed, HistoryReplay, SteppedClock
from violet.domain import NormalizedTick, TickKind
from violet.recording.catalog_files import CatalogFiles
from violet.recording.nt_records import InstrumentSpec, instrument, to_nautilus

ASSETS = ("BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP", "DOGEUSDT-PERP")
POLL_S = 0.001
START_NS = 1_796_000_000_000_000_000
# The catalog in memory where the machine has a tmpfs: the recorder syncs every file and directory it publishes (a
# crash must not lose them), which on a disk costs milliseconds per flush; the adapter under test reads the same
# files either way.
_MEMORY_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else None


class HistoryHarness(OneCarrier):
    name = "history"
    capabilities = Capabilities(
        lossless_when_drained=True,
        invalid_seen_by_violet=frozenset({Defect.CROSSED, Defect.ZERO, Defect.NEGATIVE}),
        can_disconnect=False,
        kinds=frozenset({TickKind.QUOTE, TickKind.TRADE}),
        ts_resolution_ns=1,
        order_across_kinds=False,  # quotes and trades are stored apart, as NautilusTrader keeps them
        fence_cost_s=0.007,  # measured: a publication reaches the reader ~7 ms later (a flush, then a poll)
    )
    assets = ASSETS

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = CatalogFiles(root)
        self.specs = {
            a: InstrumentSpec(venue="BINANCE", asset=a, price_precision=self.price_decimals(a), size_precision=3)
            for a in ASSETS
        }
        self.files.write([instrument(s, START_NS) for s in self.specs.values()])
        self.clock = SteppedClock(START_NS)
        self.replay = HistoryReplay(root, follow=True, clock=self.clock, poll_s=POLL_S)
        self.feed = HistoryPriceFeed(self.replay, venue="binance", assets=ASSETS, staleness_budget_ns=1_000_000_000)
        self._pending: list[Any] = []
        self._wanted = anyio.Event()
        self._ts_event = START_NS
        self._trades = 0

    def price_decimals(self, asset: str) -> int:
        return 2 if asset.startswith("BTC") else 4

    def _received(self) -> tuple[int, int]:
        self.clock.advance(1)
        self._ts_event += 1
        return self._ts_event, self.clock.monotonic_ns()

    async def publish(self, update: VenueUpdate) -> int:
        ts_event, ts_init = self._received()
        tick = NormalizedTick(
            venue="binance",
            asset=update.asset,
            bid=None if update.bid is None else Decimal(update.bid),
            ask=None if update.ask is None else Decimal(update.ask),
            last=None if update.last is None else Decimal(update.last),
            ts_event=ts_event,
            mono_ns=ts_init,
        )
        self._trades += 1
        self._pending.extend(to_nautilus(tick, self.specs[update.asset], ts_init=ts_init, trade_seq=self._trades))
        self._wanted.set()
        return ts_event

    async def publish_invalid(self, asset: str, defect: Defect) -> int:
        ts_event, ts_init = self._received()
        if defect in self.capabilities.invalid_seen_by_violet:
            bid, ask = BAD_QUOTES[defect]
            assert ask is not None
            precision = self.price_decimals(asset)
            zero = Quantity(0, 3)
            self._pending.append(
                QuoteTick(
                    InstrumentId.from_str(f"{asset}.BINANCE"),
                    Price(Decimal(bid), precision),
                    Price(Decimal(ask), precision),
                    zero,
                    zero,
                    ts_event,
                    ts_init,
                )
            )
            self._wanted.set()
        return ts_event

    async def flush_forever(self) -> None:
        """A flush as soon as something is pending; what arrives meanwhile goes in the next one (so a flush holds
        one publication or many, as a recorder's do)."""
        while True:
            await self._wanted.wait()
            self._wanted = anyio.Event()
            pending, self._pending = self._pending, []
            await anyio.to_thread.run_sync(self.files.write, pending)

    async def disconnect(self) -> None:
        raise NotImplementedError("a recording has no connection to break")

    async def reconnect(self) -> None:
        raise NotImplementedError("a recording has no connection to break")


@asynccontextmanager
async def history_harness() -> AsyncIterator[HistoryHarness]:
    with tempfile.TemporaryDirectory(prefix="violet-history-", dir=_MEMORY_DIR) as tmp:
        harness = HistoryHarness(Path(tmp))
        async with harness.feed, anyio.create_task_group() as tg:
            tg.start_soon(harness.flush_forever)
            tg.start_soon(harness.replay.run)
            yield harness
            tg.cancel_scope.cancel()
