from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from violet.domain import (
    CrossedQuote,
    EmptyTick,
    FeedClosed,
    IncompleteQuote,
    InvalidIdentifier,
    InvalidPrice,
    InvalidTimestamp,
    ManualClock,
    NormalizedTick,
    TickKind,
    UnknownAsset,
    format_price,
    parse_price,
)


def tick(**kw: object) -> NormalizedTick:
    base: dict[str, object] = {"venue": "binance", "asset": "BTCUSDT-PERP", "ts_event": 1, "mono_ns": 2}
    base.update(kw)
    return NormalizedTick(**base)  # type: ignore[arg-type]


def test_quote_only_trade_only_and_both_are_the_three_kinds() -> None:
    assert tick(bid=Decimal("1.0"), ask=Decimal("1.1")).kind is TickKind.QUOTE
    assert tick(last=Decimal("1.0")).kind is TickKind.TRADE
    both = tick(bid=Decimal("1.0"), ask=Decimal("1.1"), last=Decimal("1.05"))
    assert both.kind is TickKind.QUOTE_AND_TRADE
    assert both.mid == Decimal("1.05")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"bid": Decimal("2"), "ask": Decimal("1")}, CrossedQuote),
        ({"bid": Decimal("1")}, IncompleteQuote),
        ({}, EmptyTick),
        ({"last": Decimal("0")}, InvalidPrice),
        ({"last": Decimal("-1")}, InvalidPrice),
        ({"last": Decimal("NaN")}, InvalidPrice),
        ({"last": Decimal("Infinity")}, InvalidPrice),
        ({"last": 1.5}, InvalidPrice),
        ({"last": Decimal("1"), "ts_event": -1}, InvalidTimestamp),
        ({"last": Decimal("1"), "mono_ns": 1.0}, InvalidTimestamp),
        ({"last": Decimal("1"), "asset": ""}, InvalidIdentifier),
        ({"last": Decimal("1"), "asset": "BTC USDT"}, InvalidIdentifier),
        ({"last": Decimal("1"), "asset": "BTC\u00a0USDT"}, InvalidIdentifier),
        ({"last": Decimal("1"), "asset": "BTC\tUSDT"}, InvalidIdentifier),
        ({"last": Decimal("1"), "venue": ["binance"]}, InvalidIdentifier),
        ({"last": Decimal("1"), "venue": b"binance"}, InvalidIdentifier),
    ],
)
def test_invariants_are_enforced_with_typed_errors(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        tick(**kwargs)


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (CrossedQuote("ETH", Decimal("2.5"), Decimal("2.4")), "crossed quote for ETH: bid 2.5 > ask 2.4"),
        (InvalidPrice("ask", "1e3"), "ask must be a finite, positive decimal, got '1e3'"),
        (InvalidIdentifier("asset", ""), "asset must be a non-empty string without whitespace, got ''"),
        (UnknownAsset("bingx", "DOGE"), "bingx does not serve asset 'DOGE'"),
        (FeedClosed("bingx"), "feed bingx is not open (use it inside `async with`)"),
    ],
)
def test_an_error_message_is_its_template_filled_from_its_own_fields(raised: Exception, message: str) -> None:
    assert str(raised) == message
    assert str(pickle.loads(pickle.dumps(raised))) == message  # and it survives crossing a process


@given(st.text(min_size=1, max_size=12))
def test_an_identifier_is_refused_exactly_when_it_holds_whitespace_or_unprintables(name: str) -> None:
    bad = not name.isprintable() or any(c.isspace() for c in name)
    for _ in range(2):  # the second time through the cache of names already checked
        if bad:
            with pytest.raises(InvalidIdentifier):
                tick(last=Decimal("1"), asset=name)
        else:
            assert tick(last=Decimal("1"), asset=name).asset == name


def test_ticks_are_frozen_and_slotted() -> None:
    t = tick(last=Decimal("1"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.last = Decimal("2")  # type: ignore[misc]
    assert not hasattr(t, "__dict__")
    assert t.restamped(99).mono_ns == 99 and t.restamped(99).ts_event == t.ts_event


_ANY_PRICE = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=4), st.floats(allow_nan=False), st.none(), st.just("1.5")
)
_ANY_NAME = st.one_of(
    st.sampled_from(["bingx", "BTC-USDT", "ETH USDT", ""]), st.text(max_size=4), st.binary(max_size=3)
)
_ANY_TIME = st.one_of(st.integers(min_value=-3, max_value=2**63), st.floats(allow_nan=False))


def _built(make: Callable[[], NormalizedTick]) -> NormalizedTick | type[Exception]:
    try:
        return make()
    except Exception as exc:  # the outcome compared is the error's type
        return type(exc)


@given(venue=_ANY_NAME, asset=_ANY_NAME, bid=_ANY_PRICE, ask=_ANY_PRICE, last=_ANY_PRICE, ts=_ANY_TIME, mono=_ANY_TIME)
def test_the_named_constructors_and_restamping_build_what_the_constructor_builds_or_refuse_alike(
    venue: Any, asset: Any, bid: Any, ask: Any, last: Any, ts: Any, mono: Any
) -> None:
    """`quote`, `trade` and `restamped` skip attrs' generated path for speed; they must check exactly as much."""
    args: dict[str, Any] = {"venue": venue, "asset": asset, "ts_event": ts, "mono_ns": mono}
    quote = _built(lambda: NormalizedTick.quote(venue, asset, bid, ask, ts_event=ts, mono_ns=mono))
    assert quote == _built(lambda: NormalizedTick(**args, bid=bid, ask=ask))
    trade = _built(lambda: NormalizedTick.trade(venue, asset, last, ts_event=ts, mono_ns=mono))
    assert trade == _built(lambda: NormalizedTick(**args, last=last))
    for built in (quote, trade):
        if isinstance(built, NormalizedTick):
            assert _built(lambda: built.restamped(ts)) == _built(lambda: attrs.evolve(built, mono_ns=ts))  # noqa: B023


@given(mantissa=st.integers(min_value=1, max_value=10**30), decimals=st.integers(min_value=0, max_value=12))
def test_venue_strings_round_trip_exactly(mantissa: int, decimals: int) -> None:
    text = format(Decimal(mantissa).scaleb(-decimals), "f")
    assert format_price(parse_price(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "0.000",
        "-1",
        "+1",
        "1e5",
        "1E-7",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        " 1",
        "1 ",
        "1_000",
        ".5",
        "5.",
        "1.2.3",
        "١٢",
        "²",
        "0x10",
        "01",
        "00.5",
        "1" * 60,
    ],
)
def test_non_venue_spellings_are_refused(text: str) -> None:
    with pytest.raises(InvalidPrice):
        parse_price(text)


@given(st.text(max_size=20))
def test_parse_price_accepts_only_what_round_trips(text: str) -> None:
    try:
        value = parse_price(text)
    except InvalidPrice:
        return
    assert value > 0 and format_price(value) == text


def test_manual_clock_only_moves_forward() -> None:
    clock = ManualClock(5)
    clock.advance(10)
    assert clock.monotonic_ns() == 15
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_price_string_seen_again_is_the_same_value_and_what_is_kept_of_them_is_bounded() -> None:
    from violet.domain import prices

    assert parse_price("68005.10") is parse_price("68005.10"), "seen again: taken from what was parsed"
    with pytest.raises(InvalidPrice):
        parse_price("-1")
    with pytest.raises(InvalidPrice):
        parse_price("-1")  # a refusal is never remembered as a value
    for i in range(3 * prices._PARSED_MAX):
        assert format(parse_price(f"{i + 1}.5"), "f") == f"{i + 1}.5"
    assert len(prices._PARSED) <= prices._PARSED_MAX
