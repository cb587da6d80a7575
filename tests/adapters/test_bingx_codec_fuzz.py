"""The BingX codec under Hypothesis: valid, invalid, truncated and garbage frames.

No exception may escape the codec, and every frame that is not a valid BingX message must come back as
an `Invalid` event (which the feed counts). The `fuzz` profile runs >= 10,000 frames per property.
"""

from __future__ import annotations

import gzip
import json
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from violet.adapters.bingx.order_book import BookVerdict, OrderBook
from violet.protocols.bingx.codec import (
    Ack,
    BingxDecoder,
    BookPush,
    BookTickerPush,
    HeartbeatRequested,
    Invalid,
    OtherPush,
    TradePush,
)

FUZZ = settings(
    max_examples={"fuzz": 10_000, "fast": 100}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 500),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BOOK_FUZZ = settings(
    FUZZ,
    # An example here is a sequence of up to 40 pushes through one book (about 20 on average): 2,500 of them are
    # ~50,000 frames, past the 10,000 the parsers get, at a quarter of CI's time for 10,000 sequences.
    max_examples={"fuzz": 2_500, "fast": 100}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 500),
)
decoder = BingxDecoder(max_frame_bytes=64 * 1024)

# Integers scaled by 1e-8: the prices `st.decimals(places=8)` drew, at a fraction of its generation cost.
prices = st.integers(1, 100_000_000_000_000).map(lambda n: format(Decimal(n).scaleb(-8), "f"))
symbols = st.sampled_from(["BTC-USDT", "ETH-USDT", "1000PEPE-USDT"])
ms = st.integers(min_value=0, max_value=2**53)


@st.composite
def valid_messages(draw: st.DrawFn) -> tuple[str, type]:
    kind = draw(st.sampled_from(["ping", "ack", "book", "trade", "mark", "jsonping"]))
    sym = draw(symbols)
    if kind == "ping":
        return "Ping", HeartbeatRequested
    if kind == "jsonping":
        return json.dumps(
            {"ping": draw(st.text(max_size=8)), "time": "2022-06-07T16:27:36.323+0800"}
        ), HeartbeatRequested
    if kind == "ack":
        return json.dumps(
            {
                "id": draw(st.text(max_size=36)),
                "code": draw(st.sampled_from([0, 80015, 80403])),
                "msg": "",
                "dataType": "",
                "data": None,
            }
        ), Ack
    if kind == "book":
        e = draw(ms)
        data = {
            "e": "bookTicker",
            "u": draw(ms),
            "E": e,
            "T": e,
            "s": sym,
            "b": draw(prices),
            "B": "1",
            "a": draw(prices),
            "A": "2",
        }
        return json.dumps({"code": 0, "dataType": f"{sym}@bookTicker", "data": data}), BookTickerPush
    if kind == "trade":
        trades = draw(
            st.lists(
                st.fixed_dictionaries({"q": st.just("1"), "p": prices, "T": ms, "m": st.booleans(), "s": st.just(sym)}),
                min_size=1,
                max_size=5,
            )
        )
        return json.dumps({"code": 0, "dataType": f"{sym}@trade", "data": trades}), TradePush
    return json.dumps(
        {"code": 0, "dataType": f"{sym}@markPrice", "data": {"e": "markPriceUpdate", "p": draw(prices)}}
    ), OtherPush


@FUZZ
@given(valid_messages())
def test_valid_frames_decode_to_their_event(msg: tuple[str, type]) -> None:
    text, kind = msg
    event = decoder.feed(gzip.compress(text.encode()))
    assert isinstance(event, kind), (text, event)
    if isinstance(event, TradePush):
        assert event.trade_ms == max(t["T"] for t in json.loads(text)["data"])


@FUZZ
@given(valid_messages(), st.data())
def test_truncated_gzip_is_counted_not_raised(msg: tuple[str, type], data: st.DataObject) -> None:
    frame = gzip.compress(msg[0].encode())
    cut = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
    event = decoder.feed(frame[:cut])
    assert isinstance(event, Invalid)


@FUZZ
@given(st.binary(max_size=512))
def test_garbage_bytes_never_raise(blob: bytes) -> None:
    event = decoder.feed(blob)
    assert isinstance(event, Invalid) or blob[:2] == b"\x1f\x8b"


@FUZZ
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_gzipped_garbage_text_is_invalid(text: str) -> None:
    event = decoder.feed(gzip.compress(text.encode("utf-8", "surrogatepass")))
    if text == "Ping":
        assert isinstance(event, HeartbeatRequested)
        return
    assert isinstance(event, Invalid | Ack | OtherPush | HeartbeatRequested | BookTickerPush | TradePush)
    if not text.lstrip().startswith("{"):
        assert isinstance(event, Invalid)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["code", "dataType", "id", "msg", "data", "ping"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=10),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(st.sampled_from(["b", "a", "s", "E", "T", "p"]), st.text(max_size=5)),
        ),
    )
)
def test_malformed_envelopes_are_invalid_or_understood(obj: dict[str, object]) -> None:
    event = decoder.feed(gzip.compress(json.dumps(obj).encode()))
    expected = what_the_protocol_makes_of(obj)
    if isinstance(expected, Invalid):
        assert event == expected, (obj, event)
    else:
        assert isinstance(event, expected), (obj, event)


_TEXT_FIELDS = ("dataType", "id", "msg", "ping")


def what_the_protocol_makes_of(obj: dict[str, object]) -> Invalid | type | tuple[type, ...]:
    """The event a frame holding `obj` must give, from BingX's message shapes (PROTOCOL.md): an envelope field of the
    wrong type is a bad envelope; a `ping` asks for a pong; a frame naming no channel is an ack when it carries an id
    and a code, else unknown; a push needs code 0 and data; a channel violet reads yields its push (or is refused
    as bad data of that channel), any other channel is a push violet does not read."""
    code = obj.get("code")
    if (code is not None and (not isinstance(code, int) or isinstance(code, bool))) or any(
        obj.get(f) is not None and not isinstance(obj.get(f), str) for f in _TEXT_FIELDS
    ):
        return Invalid("bad-envelope")
    if obj.get("ping") is not None:
        return HeartbeatRequested
    data_type = obj.get("dataType")
    if not data_type:
        return Ack if obj.get("id") is not None and code is not None else Invalid("unknown-message")
    if code != 0:
        return Invalid(f"push-code-{code}")
    if obj.get("data") is None:
        return Invalid("push-without-data")
    channel = str(data_type).partition("@")[2]
    if channel in ("bookTicker", "trade", "incrDepth") or channel.startswith("depth"):
        return (Invalid, BookTickerPush, TradePush, BookPush)
    return OtherPush


def test_text_frames_and_oversized_frames_are_invalid() -> None:
    assert decoder.feed("Ping") == Invalid("text-frame")
    big = gzip.compress(b"{" + b" " * (70 * 1024) + b"}")
    assert decoder.feed(big) == Invalid("oversized")
    assert decoder.feed(gzip.compress(b"Ping") + b"extra") == Invalid("trailing-bytes")


general = BingxDecoder(max_frame_bytes=64 * 1024, fast_path=False)


@FUZZ
@given(
    st.one_of(
        valid_messages().map(lambda m: m[0]),
        st.dictionaries(
            st.sampled_from(["code", "dataType", "id", "msg", "data", "ping", "time"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.sampled_from(["BTC-USDT@bookTicker", "BTC-USDT@trade", "a@b@trade", "X@bookTicker", "@trade"]),
                st.lists(
                    st.fixed_dictionaries({"p": st.text(max_size=4), "T": st.integers(), "s": st.text(max_size=4)}),
                    max_size=2,
                ),
                st.fixed_dictionaries(
                    {"s": st.text(max_size=4), "b": prices, "a": prices, "E": st.integers(), "T": ms}
                ),
            ),
        ).map(json.dumps),
    )
)
def test_the_fast_path_answers_exactly_as_the_general_path(text: str) -> None:
    frame = gzip.compress(text.encode())
    assert decoder.feed(frame) == general.feed(frame)


# -- the local order book (quote_source = "book") ---------------------------------------------------------------
_BIDS = [format(Decimal(n).scaleb(-1), "f") for n in range(1, 31)]
_ASKS = [format(Decimal(n).scaleb(-1), "f") for n in range(31, 61)]
_sizes = st.sampled_from(["0.0000", "0.5000", "1.0000", "2.5000"])


def _levels(own: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    # Mostly the side's own half of the range, so a book lives long enough for its top to be deleted and its far
    # end trimmed; now and then any price, which may cross it.
    return st.lists(st.tuples(st.sampled_from(own * 20 + _BIDS + _ASKS), _sizes), max_size=6)


_push = st.tuples(
    st.sampled_from(["all", *["update"] * 8]),
    # The id's step from the previous frame's: 1, or a skip as live, now and then not newer.
    st.sampled_from([-1, 0, *[1] * 10, *range(2, 10)]),
    _levels(_BIDS),
    _levels(_ASKS),
    # a junk price, in one push of ten (the last: 17 significant digits, more than a float key keeps exactly)
    st.sampled_from([None] * 45 + ["abc", "-1", "NaN", "", "1e5x", "2.0000000000000001"]),
)
_pushes = st.one_of(
    st.lists(_push, max_size=40),
    st.lists(_push, min_size=1, max_size=40).map(lambda ps: [("all", *ps[0][1:]), *ps[1:]]),  # a snapshot first
)


@BOOK_FUZZ
@given(_pushes)
def test_the_order_book_follows_the_venues_rule_and_never_serves_a_crossed_top(
    pushes: list[tuple[str, int, list[tuple[str, str]], list[tuple[str, str]], str | None]],
) -> None:
    book = OrderBook(max_levels=8)
    model: dict[str, dict[Decimal, str]] | None = None
    last_id: int | None = None
    last = 0
    for action, step, bids, asks, junk in pushes:
        last += step
        if junk is not None:
            bids = [*bids, (junk, "1.0000")]
        verdict = book.apply(action, last, bids, asks)
        if action == "update" and last_id is None:
            assert verdict is BookVerdict.NO_SNAPSHOT
            continue
        if action == "update" and last_id is not None and last <= last_id:
            assert verdict is BookVerdict.STALE_ID
            model, last_id = None, None
            continue
        if verdict is not BookVerdict.OK:
            assert verdict in (BookVerdict.CROSSED, BookVerdict.BAD_LEVEL)
            assert not book.synced and book.top() is None, "an untrusted book serves nothing"
            model, last_id = None, None
            continue
        if action == "all" or model is None:
            model = {"bids": {}, "asks": {}}
        for side, levels in (("bids", bids), ("asks", asks)):
            for price, size in levels:
                if Decimal(size) == 0:
                    model[side].pop(Decimal(price), None)
                else:
                    model[side][Decimal(price)] = price
        # the model keeps the best max_levels a side once a side holds a quarter more, as the book does
        if len(model["bids"]) > 10:
            model["bids"] = dict(sorted(model["bids"].items(), reverse=True)[:8])
        if len(model["asks"]) > 10:
            model["asks"] = dict(sorted(model["asks"].items())[:8])
        last_id = last
        top = book.top()
        if model["bids"] and model["asks"]:
            want = (model["bids"][max(model["bids"])], model["asks"][min(model["asks"])])
            assert top == want
            assert Decimal(want[0]) < Decimal(want[1])
        else:
            assert top is None
        assert book.depth() == (len(model["bids"]), len(model["asks"]))


def test_the_books_float_keys_keep_every_15_digit_price_apart_and_refuse_a_longer_one() -> None:
    """Prices are keyed as floats (order_book.py): exact up to 15 significant digits, however spelled."""
    close = [("999999999.999998", "1"), ("999999999.999999", "1"), ("0.00000000012345", "1"), ("0.00000000012346", "1")]
    book = OrderBook()
    assert book.apply("all", 1, close, [("1000000000", "1")]) is BookVerdict.OK
    assert book.depth() == (4, 1)
    assert book.top() == ("999999999.999999", "1000000000")
    assert book.apply("update", 2, [("999999999.999999", "0")], []) is BookVerdict.OK
    assert book.top() == ("999999999.999998", "1000000000"), "the next price down, not a rounding of the deleted one"
    assert book.apply("update", 3, [("0.000000000123450", "2")], []) is BookVerdict.OK  # the same price, respelled
    assert book.depth() == (3, 1)
    # 17 significant digits: as a float it would be the same key as 1.0, so the book refuses it
    assert book.apply("update", 4, [("1.0000000000000001", "1")], []) is BookVerdict.BAD_LEVEL
    assert not book.synced
    long_but_exact = [("00000000000001.5", "1"), ("1.50000000000000000", "1")]  # 1 and 2 digits, spelled long
    assert book.apply("all", 5, long_but_exact, [("2", "1")]) is BookVerdict.OK
    assert book.depth() == (1, 1) and book.top() == ("1.50000000000000000", "2")
