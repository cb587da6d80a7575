"""Hypothesis strategies for venue updates.

Strategies draw harness-independent shapes (`UpdateShape`) in `@given`; tests map them onto a harness's
assets, kinds and precisions with `realize`. Drawing inside an async test (`st.data()`) is avoided: an
overrun there would unwind through the event loop's runner.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import strategies as st

from tests.contract.harness import Defect, FeedHarness, VenueUpdate
from violet.domain import TickKind


@attrs.frozen
class UpdateShape:
    asset_index: int
    kind_index: int
    bid_mantissa: int
    spread: int
    last_mantissa: int


def price_text(mantissa: int, decimals: int) -> str:
    return format(Decimal(mantissa).scaleb(-decimals), "f")


def shapes() -> st.SearchStrategy[UpdateShape]:
    # Prices span many orders of magnitude but stay positive and finite; a zero spread is legal.
    return st.builds(
        UpdateShape,
        asset_index=st.integers(min_value=0, max_value=63),
        kind_index=st.integers(min_value=0, max_value=2),
        bid_mantissa=st.integers(min_value=1, max_value=10**9),
        spread=st.integers(min_value=0, max_value=10**6),
        last_mantissa=st.integers(min_value=1, max_value=10**9),
    )


def shape_lists(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[list[UpdateShape]]:
    return st.lists(shapes(), min_size=min_size, max_size=max_size)


def defect_lists() -> st.SearchStrategy[list[Defect]]:
    return st.lists(st.sampled_from(list(Defect)), min_size=1, max_size=6)


def realize(harness: FeedHarness, shape: UpdateShape, asset: str | None = None) -> VenueUpdate:
    asset = asset if asset is not None else harness.assets[shape.asset_index % len(harness.assets)]
    decimals = harness.price_decimals(asset)
    kinds = sorted(harness.capabilities.kinds, key=lambda k: k.value)
    kind = kinds[shape.kind_index % len(kinds)]
    bid = price_text(shape.bid_mantissa, decimals)
    ask = price_text(shape.bid_mantissa + shape.spread, decimals)
    last = price_text(shape.last_mantissa, decimals)
    if kind is TickKind.QUOTE:
        return VenueUpdate(asset=asset, bid=bid, ask=ask)
    if kind is TickKind.TRADE:
        return VenueUpdate(asset=asset, last=last)
    return VenueUpdate(asset=asset, bid=bid, ask=ask, last=last)
