"""Renderings of a `MonitorSnapshot`: a rich table for people, a JSON document for programs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.table import Table

from violet.reactor.basis_monitor import MonitorSnapshot, PlaneRow


def _p(value: Decimal | None) -> str:
    return "-" if value is None else format(value, "f")


def _age(age_ms: float | None, fresh: bool) -> str:
    if age_ms is None:
        return "-"
    mark = "[green]fresh[/]" if fresh else "[red]STALE[/]"
    return f"{age_ms:,.0f} ms {mark}"


def render_table(snap: MonitorSnapshot, *, title: str) -> Table:
    table = Table(title=title, caption=_caption(snap), expand=False)
    for col in (
        "asset",
        "alpha bid",
        "alpha ask",
        "alpha last",
        "alpha quote age",
        "alpha trade age",
        "venue bid",
        "venue ask",
        "venue last",
        "venue quote age",
        "venue trade age",
        "basis bps",
        "lead ms (corr)",
        "ticks a/v",
    ):
        table.add_column(col, justify="left" if col == "asset" else "right")
    for r in snap.rows:
        table.add_row(
            r.asset,
            _p(r.alpha.bid),
            _p(r.alpha.ask),
            _p(r.alpha.last),
            _age(r.alpha.quote_age_ms, r.alpha.quote_fresh),
            _age(r.alpha.trade_age_ms, r.alpha.trade_fresh),
            _p(r.venue.bid),
            _p(r.venue.ask),
            _p(r.venue.last),
            _age(r.venue.quote_age_ms, r.venue.quote_fresh),
            _age(r.venue.trade_age_ms, r.venue.trade_fresh),
            "-" if r.basis_bps is None else f"{r.basis_bps:+.2f}",
            "-" if r.lead_lag.best_lag_ms is None else f"{r.lead_lag.best_lag_ms} ({r.lead_lag.best_corr:+.2f})",
            f"{r.alpha.ticks}/{r.venue.ticks}",
        )
    return table


def _caption(snap: MonitorSnapshot) -> str:
    planes = "  ".join(
        f"{p.name}: {p.state.value} {p.ticks_per_s:,.0f}/s rx={p.counters.received} rej={p.counters.rejected} "
        f"conf={p.counters.conflated} reconn={p.counters.reconnects} silent={len(p.silent_streams)} "
        f"delivery p50 {p.delivery_p50_ms:.2f} ms "
        f"p99 {p.delivery_p99_ms:.2f} ms"
        for p in snap.planes
    )
    return (
        f"{planes}\nreaction tick->decision p50 {snap.reaction_p50_us:,.1f} us  "
        f"p99 {snap.reaction_p99_us:,.1f} us  ({snap.decisions} decisions)"
    )


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
    }


def snapshot_json(snap: MonitorSnapshot) -> dict[str, Any]:
    return {
        "taken_mono_ns": snap.taken_mono_ns,
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
            for r in snap.rows
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
