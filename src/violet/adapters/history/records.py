"""A NautilusTrader catalog read back as violet's own values: the only module of this adapter that sees its types.

Two ways to read, one record type:
- `windows`: a finished catalog, in `ts_init` order, one time window at a time (NautilusTrader merges the files of
  every instrument of the window), so memory holds one window, not the recording;
- `CatalogFollower`: a catalog still being written (`violet record --catalog`), by new files per directory, each
  directory from where it was read up to (a compaction's combined file repeats nothing).
"""

from __future__ import annotations

import bisect
import heapq
import os
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from nautilus_trader.model.data import QuoteTick, TradeTick
from nautilus_trader.persistence.catalog.parquet import ParquetDataCatalog

from violet.recording.catalog_files import complete_to

WINDOW_NS = 60_000_000_000
_CLASS_DIRS = {"quote_tick": QuoteTick, "trade_tick": TradeTick}


@attrs.frozen(slots=True)
class HistoryRecord:
    """One recorded quote or trade, unvalidated (a catalog is input like any other)."""

    ts_init: int
    """violet's receive time when it was recorded (wall clock, ns)."""
    asset: str
    ts_event: int
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None


@attrs.frozen(slots=True)
class Refused:
    """A recorded input that is not a price (a frame the venue's parser refuses): counted by its plane as a
    rejection, at its receive time."""

    ts_init: int
    reason: str


def _decimal(price: Any) -> Decimal:
    """The price as the venue wrote it: NautilusTrader's `as_decimal` drops trailing zeros ("0.0370" -> "0.037"),
    the instrument's precision puts them back."""
    value: Decimal = price.as_decimal()
    return value.quantize(Decimal(1).scaleb(-price.precision))


def _record(obj: Any) -> HistoryRecord:
    asset = obj.instrument_id.symbol.value
    if isinstance(obj, QuoteTick):
        return HistoryRecord(obj.ts_init, asset, obj.ts_event, bid=_decimal(obj.bid_price), ask=_decimal(obj.ask_price))
    return HistoryRecord(obj.ts_init, asset, obj.ts_event, last=_decimal(obj.price))


def _key(r: HistoryRecord) -> int:
    return r.ts_init


def instruments_of(root: Path, venue: str) -> dict[str, int]:
    """Assets the catalog holds for `venue` (`BINANCE`), with their price precision."""
    return {
        i.id.symbol.value: i.price_precision
        for i in ParquetDataCatalog(str(root)).instruments()
        if i.id.venue.value == venue
    }


def recorded_assets(root: Path) -> dict[str, frozenset[str]]:
    """Assets by catalog venue (`BINANCE`, `BINGX`): what a history plane can be asked for."""
    by_venue: dict[str, set[str]] = {}
    for i in ParquetDataCatalog(str(root)).instruments():
        by_venue.setdefault(i.id.venue.value, set()).add(i.id.symbol.value)
    return {venue: frozenset(assets) for venue, assets in by_venue.items()}


def span(root: Path, venue: str) -> tuple[int, int] | None:
    """The first and last `ts_init` of the venue's quotes and trades."""
    catalog = ParquetDataCatalog(str(root))
    ids = [f"{a}.{venue}" for a in instruments_of(root, venue)]
    firsts, lasts = [], []
    for cls in (QuoteTick, TradeTick):
        for iid in ids:
            first = catalog.query_first_timestamp(cls, iid)
            last = catalog.query_last_timestamp(cls, iid)
            if first is not None and last is not None:
                firsts.append(first.value)
                lasts.append(last.value)
    return (min(firsts), max(lasts)) if firsts else None


def windows(root: Path, venue: str, start_ns: int, end_ns: int, window_ns: int = WINDOW_NS) -> Iterator[HistoryRecord]:
    """Every quote and trade of `venue` with `start_ns <= ts_init <= end_ns`, in `ts_init` order."""
    catalog = ParquetDataCatalog(str(root))
    ids = [f"{a}.{venue}" for a in instruments_of(root, venue)]
    t = start_ns
    while t <= end_ns:
        hi = min(end_ns, t + window_ns - 1)
        parts = [
            [_record(o) for o in catalog.query(cls, identifiers=ids, start=t, end=hi)] for cls in _CLASS_DIRS.values()
        ]
        yield from heapq.merge(*parts, key=_key)
        t = hi + 1


class CatalogSource:
    """Records of a finished catalog, one time window at a time."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def span(self, venue: str) -> tuple[int, int] | None:
        return span(self._root, venue)

    def records(self, venue: str, lo: int, hi: int) -> Iterator[HistoryRecord | Refused]:
        return windows(self._root, venue, lo, hi, window_ns=hi - lo + 1)


class CatalogFollower:
    """New records of `venue` since the last `poll`, each directory read from where it stopped, up to the catalog's
    completion mark (a write's files appear one by one: a trade file seen before the quote file written with it
    would otherwise let a later trade overtake an earlier quote)."""

    def __init__(
        self, root: Path, venue: str, open_catalog: Callable[[str], ParquetDataCatalog] = ParquetDataCatalog
    ) -> None:
        self._root = str(root)
        self._suffix = f".{venue}"
        self._open_catalog = open_catalog
        self._seen: dict[str, set[str]] = {}
        """Per directory, the files it held when last read: only files still there, so this stays bounded."""
        self._cursor: dict[str, int] = {}
        self._held: list[HistoryRecord] = []
        self.retries = 0
        """Polls given up because a compaction removed a listed file before it was read."""

    def _directories(self) -> Iterable[tuple[type, str]]:
        """File names as `str`, never `Path`: see `violet.recording.catalog_files` (Python 3.12 pathlib leaks)."""
        for name, cls in _CLASS_DIRS.items():
            base = os.path.join(self._root, "data", name)
            if os.path.isdir(base):
                for entry in os.scandir(base):
                    if entry.name.endswith(self._suffix):
                        yield cls, entry.path

    def poll(self) -> list[HistoryRecord]:
        """Nothing changes unless every directory was read: a compaction can remove a listed file before it is
        read, and emitting the other directories' records without that one's would let a later record overtake an
        earlier one. The next poll lists the combined file instead."""
        mark = complete_to(Path(self._root))  # read before listing: every file the mark covers is then in the listing
        try:
            out, seen, cursor = self._read_new(self._open_catalog(self._root))
        except FileNotFoundError:
            self.retries += 1
            return []
        self._seen, self._cursor = seen, cursor
        out = self._held + out
        out.sort(key=_key)
        if mark is not None:
            cut = bisect.bisect_right(out, mark, key=_key)
            out, self._held = out[:cut], out[cut:]
        else:
            self._held = []
        return out

    def _read_new(self, catalog: ParquetDataCatalog) -> tuple[list[HistoryRecord], dict[str, set[str]], dict[str, int]]:
        out: list[HistoryRecord] = []
        seen, cursor = dict(self._seen), dict(self._cursor)
        for cls, directory in self._directories():
            listed = {e.path for e in os.scandir(directory) if e.name.endswith(".parquet")}
            new = sorted(listed - seen.get(directory, set()))
            seen[directory] = listed
            if not new:
                continue
            floor = cursor.get(directory, -1)
            rows = [_record(o) for o in catalog.query(cls, files=new) if o.ts_init > floor]
            if rows:
                cursor[directory] = max(r.ts_init for r in rows)
                out.extend(rows)
        return out, seen, cursor
