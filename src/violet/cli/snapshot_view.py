"""Renderings of a `MonitorSnapshot`: a rich table for people, a JSON document for programs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

import attrs
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from violet.reactor.basis_monitor import AssetRow, MonitorSnapshot, PlaneRow


def _p(value: Decimal | None) -> str:
    return "-" if value is None else format(value, "f")


def _age(age_ms: float | None, fresh: bool) -> str:
    """`85ms`, `2.4s`, `3m`; a stale age is red and marked `!` (for terminals without colour)."""
    if age_ms is None:
        return "-"
    if age_ms < 1_000:
        text = f"{age_ms:.0f}ms"
    elif age_ms < 60_000:
        text = f"{age_ms / 1_000:.1f}s"
    else:
        text = f"{age_ms / 60_000:.0f}m"
    return f"[green]{text}[/]" if fresh else f"[red]{text}![/]"


def _basis(r: AssetRow) -> str:
    return "-" if r.basis_bps is None else f"{r.basis_bps:+.2f}"


def _lead(r: AssetRow) -> str:
    return "-" if r.lead_lag.best_lag_ms is None else f"{r.lead_lag.best_lag_ms} ({r.lead_lag.best_corr:+.2f})"


@attrs.frozen
class Column:
    header: str
    cell: Callable[[AssetRow, str], str]
    """The cell for an asset on a plane ("alpha" or "venue"); per-asset columns fill the asset's first row."""
    priority: int
    """Columns with the highest number go first when the terminal is too narrow."""


def _plane(plane: str) -> Callable[[AssetRow], PlaneRow]:
    return lambda r: r.alpha if plane == "alpha" else r.venue


def _first_row(fn: Callable[[AssetRow], str]) -> Callable[[AssetRow, str], str]:
    return lambda r, plane: fn(r) if plane == "alpha" else ""


# One row per asset and plane: fits 80 columns with every price, age and the basis uncut.
STACKED = (
    Column("asset", _first_row(lambda r: r.asset), 0),
    Column("", lambda r, plane: plane, 0),
    Column("bid", lambda r, plane: _p(_plane(plane)(r).bid), 0),
    Column("ask", lambda r, plane: _p(_plane(plane)(r).ask), 0),
    Column("last", lambda r, plane: _p(_plane(plane)(r).last), 2),
    Column("quote", lambda r, plane: _age(_plane(plane)(r).quote_age_ms, _plane(plane)(r).quote_fresh), 0),
    Column("trade", lambda r, plane: _age(_plane(plane)(r).trade_age_ms, _plane(plane)(r).trade_fresh), 1),
    Column("basis", _first_row(_basis), 0),
    Column("lead ms (corr)", _first_row(_lead), 3),
    Column("ticks", lambda r, plane: str(_plane(plane)(r).ticks), 4),
)


def _plane_columns(plane: str) -> list[Column]:
    row = _plane(plane)
    return [
        Column(f"{plane} bid", lambda r, _: _p(row(r).bid), 0),
        Column(f"{plane} ask", lambda r, _: _p(row(r).ask), 0),
        Column(f"{plane} last", lambda r, _: _p(row(r).last), 0),
        Column(f"{plane} quote", lambda r, _: _age(row(r).quote_age_ms, row(r).quote_fresh), 0),
        Column(f"{plane} trade", lambda r, _: _age(row(r).trade_age_ms, row(r).trade_fresh), 0),
    ]


def _side_by_side() -> tuple[Column, ...]:
    """One row per asset, both planes side by side: used when the terminal is wide enough for all of it."""
    return (
        Column("asset", lambda r, _: r.asset, 0),
        *_plane_columns("alpha"),
        *_plane_columns("venue"),
        Column("basis", lambda r, _: _basis(r), 0),
        Column("lead ms (corr)", lambda r, _: _lead(r), 1),
        Column("ticks a/v", lambda r, _: f"{r.alpha.ticks}/{r.venue.ticks}", 2),
    )


SIDE_BY_SIDE = _side_by_side()


def _layouts() -> list[tuple[tuple[Column, ...], bool]]:
    """Candidates, most informative first: side by side, then stacked, each dropping its least important columns
    one at a time. The first that fits the terminal uncut wins."""
    return [
        (tuple(c for c in columns if c.priority <= cutoff), stacked)
        for columns, stacked in ((SIDE_BY_SIDE, False), (STACKED, True))
        for cutoff in sorted({c.priority for c in columns}, reverse=True)
    ]


def _table(
    snap: MonitorSnapshot,
    title: str,
    columns: tuple[Column, ...],
    stacked: bool,
    *,
    counts: dict[str, dict[str, int]] | None = None,
) -> Table:
    table = Table(
        title=title,
        caption=_caption(snap, counts or {}),
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
        show_edge=False,
    )
    for col in columns:
        table.add_column(col.header, justify="left" if col.header in ("asset", "") else "right", no_wrap=True)
    for r in snap.rows:
        for plane in ("alpha", "venue") if stacked else ("alpha",):
            table.add_row(*(col.cell(r, plane) for col in columns), end_section=stacked and plane == "venue")
    return table


@attrs.frozen(kw_only=True)
class ViewOptions:
    rows: int = 24
    """At most this many assets in the live view: past it, a summary (counts by verdict) and the worst and the most
    active names (a thousand rows would scroll off any terminal)."""
    filter: str = ""
    """Only assets whose name contains this (case-insensitive), e.g. `SOL` or `1000`."""
    assets: Literal["auto", "all", "none"] = "auto"
    """`--json`: the per-asset section with every asset (`all`), none, or all when there are at most 100 (`auto`)."""


JSON_ASSETS_AUTO_MAX = 100


def verdict_counts(snap: MonitorSnapshot) -> dict[str, dict[str, int]]:
    """Per plane, how many assets' quotes read each verdict."""
    return {
        plane: dict(Counter(_plane(plane)(r).quote_verdict for r in snap.rows).most_common())
        for plane in ("alpha", "venue")
    }


def _worst_first(r: AssetRow) -> tuple[int, float]:
    stale = sum(not row.quote_fresh for row in (r.alpha, r.venue))
    return (-stale, -max(row.quote_age_ms or 0.0 for row in (r.alpha, r.venue)))


def shown_rows(snap: MonitorSnapshot, view: ViewOptions) -> tuple[tuple[AssetRow, ...], str]:
    """The rows the live view shows, and a note saying which when not all: the filter's matches, then (past
    `view.rows`) the worst half (stale first, oldest quote first) and the most active rest."""
    rows = snap.rows
    note = ""
    if view.filter:
        rows = tuple(r for r in rows if view.filter.upper() in r.asset.upper())
        note = f"{len(rows)} of {len(snap.rows)} match {view.filter!r}"
    if len(rows) <= view.rows:
        return rows, note
    worst = sorted(rows, key=_worst_first)[: view.rows // 2]
    taken = {r.asset for r in worst}
    busy = sorted((r for r in rows if r.asset not in taken), key=lambda r: -(r.alpha.ticks + r.venue.ticks))
    shown = (*worst, *busy[: view.rows - len(worst)])
    return shown, f"{len(shown)} of {len(rows)} shown: the {len(worst)} worst, then the most active (--filter)"


def render_table(snap: MonitorSnapshot, *, title: str, width: int = 80, view: ViewOptions | None = None) -> Table:
    """The live view for a terminal `width` columns wide: the widest layout whose natural width fits, so no asset
    name, price, age or basis is ever cut (the narrowest layout still fits 80 columns)."""
    view = view or ViewOptions()
    rows, note = shown_rows(snap, view)
    counts: dict[str, dict[str, int]] = {}
    if note:
        counts = verdict_counts(snap)  # of every asset, not only those shown
        snap = attrs.evolve(snap, rows=rows)
        title = f"{title}\n{note}"
    console = Console(width=10_000)
    candidates = _layouts()
    for columns, stacked in candidates:
        table = _table(snap, title, columns, stacked, counts=counts)
        if Measurement.get(console, console.options, table).maximum <= width:
            return table
    columns, stacked = candidates[-1]
    return _table(snap, title, columns, stacked, counts=counts)


def _caption(snap: MonitorSnapshot, counts: dict[str, dict[str, int]]) -> str:
    verdicts = "".join(
        f"\n{plane} quotes: " + " ".join(f"{v} {n}" for v, n in by.items()) for plane, by in counts.items()
    )
    planes = "\n".join(
        f"{p.name}: {p.state.value} {p.ticks_per_s:,.0f}/s rx={p.counters.received} rej={p.counters.rejected} "
        f"conf={p.counters.conflated} reconn={p.counters.reconnects} down={_down(p.assets_down)} "
        f"silent={len(p.silent_streams)} "
        f"venue->reactor p50 {p.delivery_p50_ms:.2f} ms "
        f"p99 {p.delivery_p99_ms:.2f} ms"
        for p in snap.planes
    )
    return (
        f"{planes}{verdicts}\nreaction tick->decision p50 {snap.reaction_p50_us:,.1f} us  "
        f"p99 {snap.reaction_p99_us:,.1f} us  ({snap.decisions} decisions)"
    )


def _down(assets: tuple[str, ...]) -> str:
    """How many assets are down and the first few, in a few columns (a degraded plane names what it is missing)."""
    if not assets:
        return "0"
    named = ",".join(a.removesuffix("-PERP") for a in assets[:2])
    return f"{len(assets)}({named}{',...' if len(assets) > 2 else ''})"


def _plane_json(row: PlaneRow) -> dict[str, Any]:
    return {
        "bid": _p(row.bid) if row.bid is not None else None,
        "ask": _p(row.ask) if row.ask is not None else None,
        "last": _p(row.last) if row.last is not None else None,
        "quote_age_ms": row.quote_age_ms,
        "quote_fresh": row.quote_fresh,
        "trade_age_ms": row.trade_age_ms,
        "trade_fresh": row.trade_fresh,
        "ticks": row.ticks,
        "quote_verdict": row.quote_verdict,
    }


def snapshot_json(snap: MonitorSnapshot, view: ViewOptions | None = None) -> dict[str, Any]:
    """The snapshot for programs: planes, verdict counts, the reaction; the per-asset section as `view.assets` says
    (every asset, none, or every asset up to 100)."""
    view = view or ViewOptions()
    with_assets = view.assets == "all" or (view.assets == "auto" and len(snap.rows) <= JSON_ASSETS_AUTO_MAX)
    rows = snap.rows if with_assets else ()
    return {
        "taken_mono_ns": snap.taken_mono_ns,
        "asset_count": len(snap.rows),
        "verdicts": verdict_counts(snap),
        "assets": {
            r.asset: {
                "alpha": _plane_json(r.alpha),
                "venue": _plane_json(r.venue),
                "basis_bps": r.basis_bps,
                "basis": None
                if r.basis is None
                else {
                    "bps": r.basis.bps,
                    "computed_mono_ns": r.basis.computed_mono_ns,
                    "alpha_quote_age_ms": r.basis.alpha_quote_age_ms,
                    "venue_quote_age_ms": r.basis.venue_quote_age_ms,
                },
                "lead_lag": {
                    "best_lag_ms": r.lead_lag.best_lag_ms,
                    "best_corr": r.lead_lag.best_corr,
                    "samples": r.lead_lag.samples,
                },
            }
            for r in rows
        },
        "planes": {
            p.name: {
                "state": p.state.value,
                "received": p.counters.received,
                "rejected": p.counters.rejected,
                "delivered": p.counters.delivered,
                "conflated": p.counters.conflated,
                "dropped": p.counters.dropped,
                "reconnects": p.counters.reconnects,
                "carrier_outages": p.counters.carrier_outages,
                "assets_down": list(p.assets_down),
                "silent_streams_found": p.counters.silent_streams,
                "silent_streams": list(p.silent_streams),
                "ticks_per_s": p.ticks_per_s,
                "delivery_ms": {"p50": p.delivery_p50_ms, "p99": p.delivery_p99_ms},
            }
            for p in snap.planes
        },
        "decisions": snap.decisions,
        "reaction_us": {"p50": snap.reaction_p50_us, "p99": snap.reaction_p99_us},
    }
