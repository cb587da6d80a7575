"""The typed schema of `violet.toml`. Unknown keys are errors, not silently ignored."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Asset = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{2,30}-PERP$")]
PositiveMs = Annotated[float, msgspec.Meta(gt=0)]

AdapterName = Literal["in_memory"]
"""Adapters this build can compose. More join as they land (nt_binance, bingx, remote_shm, remote_hz)."""


class PlaneConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    adapter: AdapterName = "in_memory"
    assets: list[Asset] = msgspec.field(default_factory=lambda: ["BTCUSDT-PERP", "ETHUSDT-PERP"])
    staleness_budget_ms: PositiveMs = 2_000.0


class SyntheticMarketConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Drives `in_memory` planes with a seeded random walk (the demo's far side)."""

    rate_hz: Annotated[float, msgspec.Meta(gt=0, le=100_000)] = 50.0
    seed: int = 7


class VioletConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    alpha: PlaneConfig = msgspec.field(default_factory=lambda: PlaneConfig(staleness_budget_ms=1_000.0))
    venue: PlaneConfig = msgspec.field(default_factory=PlaneConfig)
    synthetic: SyntheticMarketConfig = msgspec.field(default_factory=SyntheticMarketConfig)
