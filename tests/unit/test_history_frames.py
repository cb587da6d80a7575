"""Raw frames recorded by `violet record`, read back by the history adapter's frame source: real recorded venue
messages (tests/data/venues, with their provenance) in, prices with the live path's event times out; anything else
refused and counted, never skipped silently or raised."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from violet.adapters.history.frames import FrameSource, read_frames
from violet.adapters.history.records import HistoryRecord, Refused
from violet.protocols.binance import streams

DATA = Path(__file__).parent.parent / "data" / "venues"


def recorded(name: str) -> str:
    return (DATA / name).read_text().strip()


def write(path: Path, lines: list[tuple[int, str] | str]) -> Path:
    with gzip.open(path, "wt") as fh:
        for line in lines:
            if isinstance(line, str):
                fh.write(line + "\n")
            else:
                fh.write(msgspec.json.encode({"recv_ns": line[0], "frame": line[1]}).decode() + "\n")
    return path


def wrapped(stream: str, data_file: str) -> str:
    return json.dumps({"stream": stream, "data": json.loads(recorded(data_file))}, separators=(",", ":"))


def test_recorded_binance_frames_become_quotes_and_trades_stamped_as_nautilus_reads_them(tmp_path: Path) -> None:
    path = write(
        tmp_path / "alpha.jsonl.gz",
        [
            (10, recorded("binance-usdm/ws_combined_stream_wrapper.json")),
            (20, wrapped("btcusdt@trade", "binance-usdm/ws_trade.json")),
            (30, wrapped("ctkusdt@aggTrade", "binance-usdm/ws_aggTrade.json")),
            (40, wrapped("btcusdt@markPrice", "binance-usdm/ws_markPrice.json")),
        ],
    )
    got = list(read_frames(path, "BINANCE"))
    assert got == [
        HistoryRecord(10, "SUSHIUSDT-PERP", 1626992741012 * 10**6, bid=Decimal("7.6110"), ask=Decimal("7.6120")),
        HistoryRecord(20, "BTCUSDT-PERP", 1785701708156 * 10**6, last=Decimal("63437.30")),
        HistoryRecord(30, "CTKUSDT-PERP", 1626992741421 * 10**6, last=Decimal("1.01100")),
    ], "quotes at T (transaction time), trades at T, prices as written; a mark price is no price here"


def test_recorded_bingx_frames_become_the_newest_trade_and_the_book_ticker_at_its_event_time(tmp_path: Path) -> None:
    path = write(
        tmp_path / "venue.jsonl.gz",
        [
            (5, "Ping"),
            (10, recorded("bingx-swap/ws_push_bookTicker.BTC-USDT.stale.observatory-recorded.json")),
            (20, recorded("bingx-swap/ws_push_trade.ETH-USDT.jkorf-recorded.json")),
            (30, recorded("bingx-swap/ws_error_ack_80015_dataType_not_support.observatory-recorded.json")),
        ],
    )
    got = list(read_frames(path, "BINGX"))
    assert got == [
        HistoryRecord(10, "BTCUSDT-PERP", 1790127588860 * 10**6, bid=Decimal("86591.6"), ask=Decimal("86591.7")),
        HistoryRecord(20, "ETHUSDT-PERP", 1714650253104 * 10**6, last=Decimal("2983.48")),
    ], "the bookTicker at E (as the live adapter stamps it), a trade frame's newest trade; heartbeats and acks: none"


def test_what_is_not_a_recorded_frame_is_refused_with_its_reason_and_time_never_goes_back(tmp_path: Path) -> None:
    book = recorded("binance-usdm/ws_combined_stream_wrapper.json")
    path = write(
        tmp_path / "alpha.jsonl.gz",
        [
            (100, book),
            "torn line {",
            (90, book),  # the wall clock stepped back while recording
            (110, '{"stream":"btcusdt@bookTicker","data":{"s":"BTCUSDT","b":"x","a":"1"}}'),
            (120, '{"stream":"btcusdt@bookTicker","data":{"s":"BTCUSDT"}}'),
            (130, "not json"),
        ],
    )
    got = list(read_frames(path, "BINANCE"))
    assert [r.ts_init for r in got] == [100, 100, 100, 110, 120, 130]
    assert [r.reason for r in got if isinstance(r, Refused)] == [
        "bad-recorded-line",
        "bad-price",
        "bad-bookTicker",
        "not-json",
    ]


def test_windows_are_served_in_order_each_record_once(tmp_path: Path) -> None:
    book = recorded("binance-usdm/ws_combined_stream_wrapper.json")
    path = write(tmp_path / "alpha.jsonl.gz", [(t, book) for t in range(0, 100, 10)])
    source = FrameSource({"BINANCE": path})
    assert source.span("BINANCE") == (0, 90)
    assert source.span("BINGX") is None
    windows = [[r.ts_init for r in source.records("BINANCE", lo, lo + 29)] for lo in (0, 30, 60, 90)]
    assert windows == [[0, 10, 20], [30, 40, 50], [60, 70, 80], [90]]
    assert list(source.records("BINGX", 0, 100)) == []


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_the_binance_stream_parser_answers_garbage_with_its_typed_events_only(raw: bytes | str) -> None:
    event = streams.decode(raw)
    assert isinstance(event, streams.BookTicker | streams.Trade | streams.OtherStream | streams.Invalid)
