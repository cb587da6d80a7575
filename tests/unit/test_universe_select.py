"""The `[universe]` rule over the venues' listings, sans-IO: recorded replies (tests/data/venues) and generated
listings in, the selected assets out; every rule holds for every name it lets through, and every name left out is
counted under its reason."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from violet.config import UniverseConfig
from violet.protocols.binance.listings import Listing, parse_exchange_info, parse_quote_volumes
from violet.protocols.bingx.contracts import SwapContract, parse_contracts
from violet.protocols.bingx.contracts import parse_quote_volumes as bingx_quote_volumes
from violet.universe import NothingSelected, select_assets

DATA = Path(__file__).parent.parent / "data" / "venues"


def perpetual(symbol: str, **kw: str) -> Listing:
    fields = {"contract_type": "PERPETUAL", "quote": "USDT", "status": "TRADING", "underlying": "COIN"} | kw
    return Listing(symbol=symbol, **fields)


def contract(asset: str, *, online: bool = True, api_open: bool = True) -> SwapContract:
    symbol = f"{asset.removesuffix('USDT-PERP')}-USDT"
    return SwapContract(asset=asset, symbol=symbol, price_precision=2, online=online, api_open=api_open)


def test_the_recorded_listings_parse_and_a_quarterly_is_never_a_perpetual() -> None:
    binance = parse_exchange_info((DATA / "binance-usdm/http_fapi_v1_exchangeInfo.json").read_bytes())
    assert [(item.symbol, item.contract_type) for item in binance][-1] == ("BTCUSDT_210924", "CURRENT_QUARTER")
    doc = parse_contracts((DATA / "bingx-swap/rest_contracts.doc-example.json").read_bytes())
    rows = json.loads((DATA / "bingx-swap/rest_contracts_rows.ccxt-recorded.json").read_text())
    ccxt = parse_contracts(msgspec.json.encode({"code": 0, "msg": "", "data": rows}))  # numbers as strings
    assert set(doc) == {"BTCUSDT-PERP", "ETHUSDT-PERP"} and all(c.online and c.api_open for c in doc.values())
    assert set(ccxt) == {"LTCUSDT-PERP", "BTCUSDT-PERP", "ADAUSDT-PERP", "SOLUSDT-PERP"}
    assert all(c.online and c.api_open for c in ccxt.values())
    ticker = json.loads((DATA / "bingx-swap/rest_ticker.doc-example.json").read_text())
    all_symbols = msgspec.json.encode({"code": 0, "msg": "", "data": [ticker["data"]]})
    assert bingx_quote_volumes(all_symbols) == {"SFPUSDT-PERP": Decimal("3085449.53")}

    selection = select_assets(
        UniverseConfig(select="usdt-perpetuals"),
        binance=binance,
        binance_volumes={"BTCUSDT": Decimal(9), "ETHUSDT": Decimal(5), "CTKUSDT": Decimal(1)},
        bingx=doc | ccxt,
        bingx_volumes={"BTCUSDT-PERP": Decimal(3), "ETHUSDT-PERP": Decimal(4), "SOLUSDT-PERP": Decimal(8)},
    )
    assert selection.alpha == selection.venue == ("ETHUSDT-PERP", "BTCUSDT-PERP"), "by the thinner venue's volume"
    assert selection.volumes == {"ETHUSDT-PERP": Decimal(4), "BTCUSDT-PERP": Decimal(3)}
    assert selection.excluded == {"binance: not a perpetual": 1, "listed on one venue only": 5}


def test_every_kind_of_listing_a_usdt_perpetual_universe_must_filter_is_left_out_with_its_reason() -> None:
    binance = [
        perpetual("BTCUSDT"),
        perpetual("BTCUSDT_261225", contract_type="CURRENT_QUARTER"),
        perpetual("BTCUSDC", quote="USDC"),
        perpetual("OLDCOINUSDT", status="SETTLING"),
        perpetual("TSLAUSDT", underlying="EQUITY"),
        perpetual("币安人生USDT"),
    ]
    bingx = {"BTCUSDT-PERP": contract("BTCUSDT-PERP"), "GONEUSDT-PERP": contract("GONEUSDT-PERP", online=False)}
    rule = UniverseConfig(select="usdt-perpetuals")
    selection = select_assets(rule, binance=binance, binance_volumes={}, bingx=bingx, bingx_volumes={})
    assert selection.alpha == ("BTCUSDT-PERP",)
    assert selection.excluded == {
        "binance: not a perpetual": 1,
        "binance: not USDT-margined": 1,
        "binance: not trading": 1,
        "binance: underlying EQUITY": 1,
        "binance: a name violet cannot carry": 1,
        "bingx: not trading": 1,
    }
    equities = UniverseConfig(select="usdt-perpetuals", venues="alpha", underlying=[])
    got = select_assets(equities, binance=binance, binance_volumes={}, bingx=bingx, bingx_volumes={})
    assert got.alpha == ("BTCUSDT-PERP", "TSLAUSDT-PERP") and got.venue == ("BTCUSDT-PERP",), "the venue: its own"


def test_nothing_selected_is_an_error_that_says_why() -> None:
    rule = UniverseConfig(select="usdt-perpetuals", min_quote_volume=1e6)
    with pytest.raises(NothingSelected, match=r"below the volume floor: 1"):
        select_assets(
            rule,
            binance=[perpetual("BTCUSDT")],
            binance_volumes={"BTCUSDT": Decimal(5)},
            bingx={"BTCUSDT-PERP": contract("BTCUSDT-PERP")},
            bingx_volumes={"BTCUSDT-PERP": Decimal(10**9)},
        )


def test_the_binance_ticker_reply_gives_each_symbols_quote_volume() -> None:
    body = b'[{"symbol":"BTCUSDT","quoteVolume":"15.30000000","count":76},{"symbol":"X","quoteVolume":null}]'
    assert parse_quote_volumes(body) == {"BTCUSDT": Decimal("15.30000000")}


bases = st.text(alphabet="ABCDEFGHXYZ019", min_size=2, max_size=6)


@given(
    names=st.dictionaries(
        bases,
        st.tuples(
            st.sampled_from(["PERPETUAL", "CURRENT_QUARTER"]),
            st.sampled_from(["USDT", "USDC"]),
            st.sampled_from(["TRADING", "SETTLING"]),
            st.sampled_from(["COIN", "EQUITY"]),
            st.booleans(),  # listed on BingX
            st.integers(0, 10**6),  # Binance volume
            st.integers(0, 10**6),  # BingX volume
        ),
        max_size=30,
    ),
    venues=st.sampled_from(["both", "alpha", "venue"]),
    floor=st.integers(0, 10**6),
    top=st.integers(0, 10),
)
def test_every_selected_name_passes_every_rule_and_the_top_are_the_largest(
    names: dict[str, tuple[str, str, str, str, bool, int, int]], venues: str, floor: int, top: int
) -> None:
    binance = [
        perpetual(f"{b}{q}", contract_type=c, quote=q, status=s, underlying=u) for b, (c, q, s, u, *_) in names.items()
    ]
    bingx = {f"{b}USDT-PERP": contract(f"{b}USDT-PERP") for b, v in names.items() if v[4]}
    binance_volumes = {f"{b}{v[1]}": Decimal(v[5]) for b, v in names.items()}
    bingx_volumes = {f"{b}USDT-PERP": Decimal(v[6]) for b, v in names.items()}
    rule = UniverseConfig(select="usdt-perpetuals", venues=venues, min_quote_volume=floor, top=top)  # type: ignore[arg-type]

    def eligible_on_binance(b: str) -> bool:
        c, q, s, u, *_ = names[b]
        return (c, q, s, u) == ("PERPETUAL", "USDT", "TRADING", "COIN")

    def volume(b: str) -> int:
        on_a, on_b = eligible_on_binance(b), names[b][4]
        if venues == "both":
            return min(names[b][5] if on_a else 0, names[b][6] if on_b else 0)
        return (names[b][5] if on_a else 0) if venues == "alpha" else (names[b][6] if on_b else 0)

    wanted = {
        b
        for b in names
        if (eligible_on_binance(b) or venues == "venue")
        and (names[b][4] or venues == "alpha")
        and (venues != "venue" or names[b][4])
        and (venues != "alpha" or eligible_on_binance(b))
        and volume(b) >= floor
    }
    ranked = sorted(wanted, key=lambda b: (-volume(b), f"{b}USDT-PERP"))[: top or None]
    try:
        got = select_assets(
            rule, binance=binance, binance_volumes=binance_volumes, bingx=bingx, bingx_volumes=bingx_volumes
        )
    except NothingSelected:
        assert not ranked
        return
    chosen = got.alpha if venues != "venue" else got.venue
    assert chosen == tuple(f"{b}USDT-PERP" for b in ranked)
    assert all(got.volumes[a] >= floor for a in chosen)
    assert set(got.alpha) <= {f"{b}USDT-PERP" for b in names if eligible_on_binance(b)}
    assert set(got.venue) <= set(bingx)
