"""violet's own raw-frame recordings (`violet record`: one gzipped JSONL file per plane, each line a frame's text and
its local receive time) read back as history records, through the venues' sans-IO parsers.

A quote's event time is what the live path takes (BingX: the push's `E`; Binance: `T`, as NautilusTrader reads it),
`ts_init` the recorded receive time. The live adapters' own filters are not applied again (a BingX quote whose
book lagged its match time is served as the venue sent it): a raw recording is what the venue said. Book channels
(`@incrDepth`, `@depthN`) are skipped: `violet record` asks for the bookTicker and trades only.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import msgspec

from violet.adapters.history.records import HistoryRecord, Refused
from violet.protocols.binance import streams as binance
from violet.protocols.bingx.codec import BingxDecoder, BookTickerPush, Invalid, TradePush
from violet.protocols.bingx.symbols import NotABingxAsset
from violet.protocols.bingx.symbols import to_canonical as bingx_asset

MS = 1_000_000


class _Line(msgspec.Struct, gc=False):
    recv_ns: int
    frame: str


_LINE = msgspec.json.Decoder(_Line)


def _price(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _bingx(payload: bytes, recv_ns: int, decoder: BingxDecoder) -> HistoryRecord | Refused | None:
    event = decoder.decode(payload)
    try:
        if isinstance(event, BookTickerPush):
            bid, ask = _price(event.bid), _price(event.ask)
            if bid is None or ask is None:
                return Refused(recv_ns, "bad-price")
            return HistoryRecord(recv_ns, bingx_asset(event.symbol), event.event_ms * MS, bid=bid, ask=ask)
        if isinstance(event, TradePush):
            last = _price(event.price)
            if last is None:
                return Refused(recv_ns, "bad-price")
            return HistoryRecord(recv_ns, bingx_asset(event.symbol), event.trade_ms * MS, last=last)
    except NotABingxAsset:
        return Refused(recv_ns, "unknown-symbol")
    if isinstance(event, Invalid):
        return Refused(recv_ns, event.reason)
    return None  # acks, heartbeats, channels that carry no price


def _binance(payload: bytes, recv_ns: int) -> HistoryRecord | Refused | None:
    event = binance.decode(payload)
    if isinstance(event, binance.BookTicker):
        bid, ask = _price(event.bid), _price(event.ask)
        if bid is None or ask is None:
            return Refused(recv_ns, "bad-price")
        ts_event = event.transaction_ms * MS if event.transaction_ms is not None else recv_ns
        return HistoryRecord(recv_ns, binance.to_canonical(event.symbol), ts_event, bid=bid, ask=ask)
    if isinstance(event, binance.Trade):
        last = _price(event.price)
        if last is None:
            return Refused(recv_ns, "bad-price")
        return HistoryRecord(recv_ns, binance.to_canonical(event.symbol), event.trade_ms * MS, last=last)
    if isinstance(event, binance.Invalid):
        return Refused(recv_ns, event.reason)
    return None


def read_frames(path: Path, venue: str) -> Iterator[HistoryRecord | Refused]:
    """Every price a recording of `venue` (`BINANCE`, `BINGX`) holds, in file order, receive times never going back
    (a wall clock stepped back while recording would otherwise reorder the replay; such a record keeps the time of
    the one before it). A line that is not a recorded frame is refused, never skipped silently."""
    decoder = BingxDecoder()
    floor = 0
    with gzip.open(path, "rb") as fh:
        for line in fh:
            try:
                row = _LINE.decode(line)
            except (msgspec.DecodeError, msgspec.ValidationError):
                yield Refused(floor, "bad-recorded-line")
                continue
            floor = max(floor, row.recv_ns)
            payload = row.frame.encode()
            out = _bingx(payload, floor, decoder) if venue == "BINGX" else _binance(payload, floor)
            if out is not None:
                yield out


class FrameSource:
    """Records of raw-frame files, one file per catalog venue, read window by window in receive order."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = dict(files)
        self._readers: dict[str, Iterator[HistoryRecord | Refused]] = {}
        self._pending: dict[str, HistoryRecord | Refused | None] = {}

    def span(self, venue: str) -> tuple[int, int] | None:
        """The first and last receive time of the venue's prices (a whole pass over the file)."""
        path = self._files.get(venue)
        if path is None:
            return None
        first = last = None
        for r in read_frames(path, venue):
            if isinstance(r, HistoryRecord):
                first = r.ts_init if first is None else first
                last = r.ts_init
        return None if first is None or last is None else (first, last)

    def records(self, venue: str, lo: int, hi: int) -> Iterator[HistoryRecord | Refused]:
        """The venue's records with `ts_init <= hi`, continuing where the previous window stopped (windows are
        asked for in order); `lo` bounds nothing here: every record before it was given with an earlier window."""
        if venue not in self._files:
            return
        if venue not in self._readers:
            self._readers[venue] = read_frames(self._files[venue], venue)
            self._pending[venue] = next(self._readers[venue], None)
        reader = self._readers[venue]
        while (r := self._pending[venue]) is not None and r.ts_init <= hi:
            yield r
            self._pending[venue] = next(reader, None)
