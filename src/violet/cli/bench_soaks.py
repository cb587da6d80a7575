"""`violet bench soak` and `bench run`'s soaks: each adapter in turn, a failure reported as one line."""

from __future__ import annotations

import json
from collections.abc import Sequence

import typer

from violet import defaults as d
from violet.app.event_loop import run_on_uvloop


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    nested = (_leaves(e) if isinstance(e, BaseExceptionGroup) else [e] for e in group.exceptions)
    return [leaf for leaves in nested for leaf in leaves]


def soak_each(
    adapters: Sequence[str],
    *,
    ticks: int,
    symbols: int,
    rate: float,
    quote_source: d.BingxQuoteSource = d.BINGX_QUOTE_SOURCE,
) -> list[dict[str, object]]:
    """Soak each adapter in turn (a fresh loop each), printing each result; a source that never became ready or
    stopped delivering ends the bench with its reason (exit 1), not a traceback."""

    from violet.bench.soak import SoakStalled, soak
    from violet.domain import FeedNotReady

    results = []
    for adapter in adapters:

        async def one(adapter: str = adapter) -> dict[str, object]:
            return await soak(adapter, ticks=ticks, symbols=symbols, rate=rate, quote_source=quote_source)

        failures: list[BaseException] = []
        try:
            results.append(run_on_uvloop(one))
        except* (FeedNotReady, SoakStalled) as group:  # raised inside the feed's task group, so wrapped in one
            failures = _leaves(group)
        for exc in failures:
            typer.echo(f"bench: soak {adapter}: {exc}", err=True)
        if failures:
            raise typer.Exit(1)
        typer.echo(json.dumps(results[-1]))
    return results
