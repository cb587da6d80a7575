"""The whole market, selected: a `[universe]` rule resolved against the venues' own listings."""

from violet.universe.resolve import ListingsUnavailable, fetch_listings, resolve_universe, selection_of
from violet.universe.select import NothingSelected, Selection, select_assets

__all__ = [
    "ListingsUnavailable",
    "NothingSelected",
    "Selection",
    "fetch_listings",
    "resolve_universe",
    "select_assets",
    "selection_of",
]
