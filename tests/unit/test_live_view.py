"""The live view at the widths a new user's terminal has: nothing a trader reads may be cut."""

from __future__ import annotations

import io
from decimal import Decimal

import attrs
import pytest
from rich.console import Console

from violet.cli.snapshot_view import ViewOptions, render_table, snapshot_json
from violet.domain import FeedCounters, FeedState
from violet.reactor.basis_monitor import AssetRow, MonitorSnapshot, PlaneRow, PlaneStatus
from violet.reactor.lead_lag import LeadLag


def plane(bid: str, ask: str, last: str, quote_ms: float, trade_ms: float | None, fresh: bool) -> PlaneRow:
    return PlaneRow(
        bid=Decimal(bid),
        ask=Decimal(ask),
        last=Decimal(last),
        quote_age_ms=quote_ms,
        quote_fresh=fresh,
        trade_age_ms=trade_ms,
        trade_fresh=fresh,
        ticks=123_456,
    )


ROWS = (
    AssetRow(
        asset="BTCUSDT-PERP",
        alpha=plane("67999.10", "67999.20", "67999.10", 12, 40, True),
        venue=plane("67998.9", "67999.3", "67999.0", 150, 2_100, True),
        basis_bps=1.23,
        basis=None,
        lead_lag=LeadLag(best_lag_ms=300, best_corr=0.87, corr_by_lag_ms={}, samples=400),
    ),
    AssetRow(
        asset="1000PEPEUSDT-PERP",
        alpha=plane("0.0123456", "0.0123457", "0.0123456", 1_250, None, False),
        venue=plane("0.012345", "0.012347", "0.012346", 95_000, 61_000, False),
        basis_bps=None,
        basis=None,
        lead_lag=LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=0),
    ),
)
SNAP = MonitorSnapshot(
    rows=ROWS,
    planes=tuple(
        PlaneStatus(
            name=name,
            state=FeedState.LIVE,
            counters=FeedCounters(received=1_000_000),
            ticks_per_s=2_000,
            delivery_p50_ms=0.2,
            delivery_p99_ms=1.4,
        )
        for name in ("alpha", "venue")
    ),
    decisions=10,
    reaction_p50_us=50,
    reaction_p99_us=400,
    taken_mono_ns=0,
)
MUST_SHOW = [r.asset for r in ROWS] + [
    str(getattr(getattr(r, p), f)) for r in ROWS for p in ("alpha", "venue") for f in ("bid", "ask", "last")
]


def render(width: int) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(render_table(SNAP, title="violet", width=width))
    return console.export_text()


@pytest.mark.parametrize("width", [80, 100, 120, 160, 240])
def test_nothing_a_trader_reads_is_cut(width: int) -> None:
    text = render(width)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for value in [*MUST_SHOW, "+1.23", "12ms", "150ms", "2.1s", "1.2s!", "1m!", "2m!"]:
        assert value in text, f"{value!r} missing or cut at {width} columns:\n{text}"


def test_stale_ages_are_marked_without_colour() -> None:
    text = render(80)
    assert "1.2s!" in text  # 1,250 ms, not fresh
    assert "12ms!" not in text


def test_wide_terminals_get_one_row_per_asset_and_narrow_ones_one_per_plane() -> None:
    wide = [line for line in render(240).splitlines() if "BTCUSDT-PERP" in line]
    assert len(wide) == 1 and "67998.9" in wide[0], "side by side: both planes on the asset's row"
    narrow = render(80).splitlines()
    btc = next(i for i, line in enumerate(narrow) if "BTCUSDT-PERP" in line)
    assert "67999.10" in narrow[btc] and "67998.9" in narrow[btc + 1], "stacked: alpha row, then venue row"


def market(n: int) -> MonitorSnapshot:
    """`n` assets: every 50th with a stale quote on the venue plane (feed-down), activity falling with rank."""

    def row(i: int) -> AssetRow:
        stale = i % 50 == 7
        venue = attrs.evolve(
            plane("1.0", "1.1", "1.0", 5_000 + i if stale else 20, 40, not stale),
            ticks=10 * (n - i),
            quote_verdict="feed-down" if stale else "fresh",
        )
        return AssetRow(
            asset=f"SIM{i:04d}USDT-PERP",
            alpha=attrs.evolve(plane("1.0", "1.1", "1.0", 12, 40, True), ticks=10 * (n - i)),
            venue=venue,
            basis_bps=None,
            basis=None,
            lead_lag=LeadLag(best_lag_ms=None, best_corr=None, corr_by_lag_ms={}, samples=0),
        )

    return attrs.evolve(SNAP, rows=tuple(row(i) for i in range(n)))


def render_view(snap: MonitorSnapshot, view: ViewOptions, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(render_table(snap, title="violet", width=width, view=view))
    return console.export_text()


def test_a_thousand_assets_are_summed_up_by_verdict_with_the_worst_and_the_busiest_inside_80_columns() -> None:
    text = render_view(market(1_000), ViewOptions(rows=24))
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    shown = {line.split()[0] for line in text.splitlines() if line.startswith("SIM")}
    assert len(shown) == 24
    stale = {f"SIM{i:04d}USDT-PERP" for i in range(1_000) if i % 50 == 7}
    oldest_first = sorted(stale, key=lambda a: -int(a[3:7]))[:12]
    assert set(oldest_first) <= shown, "the worst half: stale quotes, oldest first"
    assert {f"SIM{i:04d}USDT-PERP" for i in range(6)} <= shown, "then the most active"
    assert "24 of 1000 shown" in text
    assert "venue quotes: fresh 980 feed-down 20" in text and "alpha quotes: fresh 1000" in text


def test_a_filter_picks_the_names_to_show() -> None:
    text = render_view(market(1_000), ViewOptions(rows=24, filter="sim012"))
    shown = {line.split()[0] for line in text.splitlines() if line.startswith("SIM")}
    assert shown == {f"SIM{i:04d}USDT-PERP" for i in range(120, 130)}
    assert "10 of 1000 match 'sim012'" in text


def test_the_json_keeps_its_summary_and_the_per_asset_section_is_opt_in_past_a_hundred() -> None:
    small, big = market(100), market(101)
    assert len(snapshot_json(small)["assets"]) == 100
    assert snapshot_json(big)["assets"] == {} and snapshot_json(big)["asset_count"] == 101
    assert len(snapshot_json(big, ViewOptions(assets="all"))["assets"]) == 101
    assert snapshot_json(small, ViewOptions(assets="none"))["assets"] == {}
    assert snapshot_json(big)["verdicts"]["venue"] == {"fresh": 99, "feed-down": 2}
