"""`violet universe`: what a `[universe]` rule selects today, from the venues the config names (the embedded
simulators started for the purpose when it enables them), without starting any plane."""

from __future__ import annotations

import msgspec

from violet.app.supervisor import supervised
from violet.config import UniverseConfig, VioletConfig
from violet.universe import Selection, fetch_listings, selection_of


async def resolve_only(cfg: VioletConfig) -> Selection:
    rule = cfg.universe if cfg.universe.select else UniverseConfig(select="usdt-perpetuals")
    quiet = msgspec.structs.replace(
        cfg,
        feed=msgspec.structs.replace(cfg.feed, spawn=False),
        universe=msgspec.structs.replace(cfg.universe, select=""),
    )
    async with supervised(quiet) as (resolved, _):
        return selection_of(rule, await fetch_listings(resolved))


def report(selection: Selection, *, show: int) -> list[str]:
    lines = [f"alpha {len(selection.alpha)} assets, venue {len(selection.venue)} assets"]
    lines.append(f"{'asset':<22} {'24 h quote volume (USDT)':>26}")
    ranked = selection.alpha or selection.venue
    lines += [f"{a:<22} {selection.volumes.get(a, 0):>26,.0f}" for a in ranked[:show]]
    if len(ranked) > show:
        lines.append(f"... {len(ranked) - show} more")
    lines.append("left out: " + (", ".join(f"{r} {n}" for r, n in sorted(selection.excluded.items())) or "nothing"))
    return lines
