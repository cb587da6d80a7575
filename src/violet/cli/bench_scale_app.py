"""`violet bench burst` (the alpha plane through a liquidation cascade, for 1 and N feed shards in one run),
`violet bench universe` (the whole market, size by size),
`violet bench record-cycle` (the recorder's own cycle on a simulated clock) and
`violet bench metrics` (what Prometheus metrics cost per tick),
`violet bench bingx-path` (BingX's in-process path, stage by stage, against the raw client's work) and
`violet bench reactor` (the example reactor's own cost per tick and per live-view refresh, by universe size)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from violet.app.event_loop import run_on_uvloop
from violet.cli.bench_outputs import write_outputs

scale_app = typer.Typer()


def _run_maybe_traced(
    run: Callable[[], Awaitable[dict[str, Any]]], trace_to: Path | None, *, start_s: float, snapshot_s: float
) -> dict[str, Any]:
    """`run()` on uvloop; with `trace_to`, under `heap_trace.traced` (what was allocated from `start_s` and is still
    held at `snapshot_s`, and what grew from halfway between them)."""
    if trace_to is None:
        return run_on_uvloop(run)
    from violet.bench.heap_trace import traced

    halfway = (start_s + snapshot_s) / 2
    return run_on_uvloop(partial(traced, run, start_s=start_s, snapshot_s=snapshot_s, to=trace_to, baseline_s=halfway))


@scale_app.command("burst")
def bench_burst(
    out: Annotated[Path, typer.Option(help="Directory for burst.json and burst.md.")] = Path("bench-out"),
    shards: Annotated[str, typer.Option(help="Comma-separated shard counts, measured interleaved.")] = "1,2",
    symbols: Annotated[int, typer.Option(min=2, max=200, help="Simulated perpetuals.")] = 50,
    rate: Annotated[float, typer.Option(min=1, help="Steady messages per second, aggregate.")] = 1000.0,
    factor: Annotated[float, typer.Option(min=1, help="The burst multiplies the rate by this.")] = 20.0,
    burst_s: Annotated[float, typer.Option(min=0.5, help="Seconds the burst lasts.")] = 3.0,
    steady_s: Annotated[float, typer.Option(min=1, help="Measured steady seconds before it.")] = 5.0,
    after_s: Annotated[float, typer.Option(min=1, help="Measured seconds after it.")] = 10.0,
    repeats: Annotated[int, typer.Option(min=1, help="Interleaved repeats; medians are reported.")] = 2,
) -> None:
    """A steady rate, then FACTOR x for BURST_S seconds, then back, through N `violet feed` shard processes into
    shared memory: latency, drops and freshness per phase, time until every asset is fresh again, outages seen,
    every process's CPU.

    Example: violet bench burst --symbols 50 --rate 1000 --factor 20 --burst-s 3 --shards 1,2
    """
    from violet.bench.burst import burst_bench, markdown, to_json

    try:
        counts = [int(n) for n in shards.split(",") if n.strip()]
    except ValueError:
        raise typer.BadParameter("comma-separated integers, e.g. 1,2", param_hint="--shards") from None
    if not counts or any(not 1 <= n <= min(16, symbols) for n in counts):
        raise typer.BadParameter(f"each between 1 and {min(16, symbols)}", param_hint="--shards")

    async def main() -> dict[str, object]:
        return await burst_bench(
            shard_counts=counts,
            repeats=repeats,
            symbols=symbols,
            rate=rate,
            factor=factor,
            burst_s=burst_s,
            steady_s=steady_s,
            after_s=after_s,
        )

    report = run_on_uvloop(main)
    out.mkdir(parents=True, exist_ok=True)
    (out / "burst.json").write_bytes(to_json(report))
    text = markdown(report)
    (out / "burst.md").write_text(text)
    typer.echo(text)


@scale_app.command("metrics")
def bench_metrics(
    ticks: Annotated[int, typer.Option(min=100_000, help="Synthetic ticks per repeat.")] = 1_000_000,
    repeats: Annotated[int, typer.Option(min=1, help="Interleaved repeats; medians are reported.")] = 5,
) -> None:
    """Prometheus metrics' per-tick cost: the receive and delivery observers on synthetic ticks against no-op
    observers, interleaved (end to end: the latency scenarios bingx-violet and bingx-violet-metrics).

    Example: violet bench metrics --ticks 1000000 --repeats 5
    """
    import json

    from violet.bench.metrics_cost import measure

    typer.echo(json.dumps(measure(ticks=ticks, repeats=repeats), indent=2))


@scale_app.command("bingx-path")
def bench_bingx_path(
    frames: Annotated[int, typer.Option(min=1000, help="Frames per stage and repeat.")] = 20_000,
    symbols: Annotated[int, typer.Option(min=2, max=2000, help="Assets the frames cover.")] = 50,
    repeats: Annotated[int, typer.Option(min=1, help="Interleaved repeats; medians are reported.")] = 5,
    out: Annotated[Path, typer.Option(help="Directory for bingx_path.json and bingx_path.md.")] = Path("bench-out"),
) -> None:
    """BingX's in-process path taken apart on the same frames (no socket): the raw client's work (gunzip,
    json.loads, a record), violet's codec, the adapter's whole frame callback, a subscriber's read and a consumer's
    wake-up, each stage's cost and the ratio to the raw client (end to end: `violet bench latency`, bingx-raw
    against bingx-violet).

    Example: violet bench bingx-path --frames 20000 --repeats 5
    """
    from violet.bench.bingx_path import measure, table

    result = measure(frames=frames, symbols=symbols, repeats=repeats)
    write_outputs(out, "bingx_path", result, table(result))


@scale_app.command("reactor")
def bench_reactor(
    symbols: Annotated[str, typer.Option(help="Universe sizes, comma-separated.")] = "50,600",
    ticks: Annotated[int, typer.Option(min=1000, help="Ticks decided per size and repeat.")] = 100_000,
    repeats: Annotated[int, typer.Option(min=1, help="Repeats; medians are reported.")] = 5,
    out: Annotated[Path, typer.Option(help="Directory for reactor_cost.json and reactor_cost.md.")] = Path("bench-out"),
) -> None:
    """The example reactor's own cost at each universe size: `BasisMonitor`'s decision per tick (basis from fresh
    quotes, lead/lag update) and the live view's snapshot per refresh, on in-memory planes (no socket).

    Example: violet bench reactor --symbols 50,600 --ticks 100000
    """
    from violet.bench.reactor_cost import measure, table

    try:
        sizes = tuple(int(s) for s in symbols.split(",") if s.strip())
    except ValueError:
        raise typer.BadParameter(f"not a list of sizes: {symbols!r}", param_hint="--symbols") from None
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter("sizes are positive integers", param_hint="--symbols")
    result = measure(sizes=sizes, ticks=ticks, repeats=repeats)
    write_outputs(out, "reactor_cost", result, table(result))


@scale_app.command("chaos")
def bench_chaos(
    minutes: Annotated[float, typer.Option(min=0.5, help="How long the run lasts.")] = 3.0,
    seed: Annotated[int, typer.Option(help="The schedule's seed: the same seed gives the same schedule.")] = 1,
    symbols: Annotated[int, typer.Option(min=2, max=200, help="Assets per plane.")] = 50,
    rate: Annotated[float, typer.Option(min=1, help="Market events per second, per venue.")] = 400.0,
    bridge: Annotated[
        str, typer.Option(help="The alpha plane's bridge: shm, or hz (a Hazelcast member started for the run).")
    ] = "shm",
    out: Annotated[Path, typer.Option(help="Directory for chaos.json and chaos.png.")] = Path("bench-out"),
    keep_spool: Annotated[bool, typer.Option(help="Keep the samples and venue frames to judge the run again.")] = False,
    trace_memory: Annotated[
        bool,
        typer.Option(
            help="Diagnose growth: tracemalloc in the reactor from minute 10, what it still holds near the end "
            "and what grew over the second half of that (DIR/tracemalloc.txt). Slows it: not a run to judge "
            "latency by."
        ),
    ] = False,
) -> None:
    """The whole system under a seeded schedule of faults (sockets closed, reset, stalled; a channel silent; a venue
    down; a refused resubscription; a venue clock skewed; a feed shard killed or stopped; bursts; with hz, the
    Hazelcast member restarted), judged by an independent oracle from the venues' send logs and the
    reactor's readings: nothing stale served as fresh, nothing withheld, recovery within 2 s. Exits 1 on any
    violation.

    Example: violet bench chaos --minutes 60 --seed 7 --symbols 50 --out bench-out
    """
    from violet.chaos.bench import RSS_WARMUP_S, ChaosOptions, run_chaos

    if bridge not in ("shm", "hz"):
        raise typer.BadParameter(f"{bridge!r}: shm or hz", param_hint="--bridge")
    opts = ChaosOptions(minutes=minutes, seed=seed, symbols=symbols, rate=rate, bridge=bridge, keep_spool=keep_spool)
    end_s = max(60.0, minutes * 60 - 10)
    result = _run_maybe_traced(
        partial(run_chaos, opts, out),
        out / "tracemalloc.txt" if trace_memory else None,
        start_s=min(RSS_WARMUP_S, end_s / 2),
        snapshot_s=end_s,
    )
    keys = ["faults_injected", "fault_kinds", "stale_served_as_fresh", "never_sent_as_fresh", "withheld_fraction"]
    keys.append("recovery_s")
    judged = ("unexplained_outages", "unexplained_rejections_total", "faults_unseen_by_violet", "violations_total")
    for key in (*keys, *judged, "passed"):
        typer.echo(f"{key}: {result[key]}")
    raise typer.Exit(0 if result["passed"] else 1)


@scale_app.command("record")
def bench_record(
    minutes: Annotated[float, typer.Option(min=0.2, help="Minutes of recording.")] = 20.0,
    baseline_minutes: Annotated[
        float, typer.Option(min=0.2, help="Minutes of the same planes read without recording, first.")
    ] = 3.0,
    symbols: Annotated[int, typer.Option(min=2, max=200, help="Assets per plane.")] = 50,
    rate: Annotated[float, typer.Option(min=1, help="Market events per second, per venue.")] = 400.0,
    flush_s: Annotated[float, typer.Option(min=0.1, help="The recorder's seconds between flushes.")] = 5.0,
    period_minutes: Annotated[
        int,
        typer.Option(
            min=2,
            max=60,
            help="The recorder's compaction period (an hour in `violet record`): shorter shows several periods' "
            "compactions in a short run.",
        ),
    ] = 60,
    catalog: Annotated[
        Path | None, typer.Option(help="Where the catalog is written (new or empty; default: a temporary directory).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory for record.json.")] = Path("bench-out"),
    trace_memory: Annotated[
        bool,
        typer.Option(
            help="Diagnose growth: tracemalloc in the recording process from the recording's second third to just "
            "before it ends, and what grew over the second half of that (DIR/tracemalloc.txt). Slows it: not a run "
            "to judge CPU by."
        ),
    ] = False,
) -> None:
    """What `violet record --catalog` costs and what its catalog is worth, in one run: the recording process's CPU
    with the recorder against the same planes without it (ratio), its RSS, bytes per million records, NautilusTrader
    loading the catalog and running its backtest engine over all of it, and the history adapter's replay as fast as
    possible through the port (ticks/s).

    Example: violet bench record --minutes 20 --symbols 50 --out bench-out
    """
    import shutil
    import tempfile

    from violet.bench.record_cost import RecordCostOptions, record_cost, summary_lines

    if catalog is not None and catalog.exists() and any(catalog.iterdir()):
        raise typer.BadParameter(f"{catalog} is not empty: the bench measures a new recording", param_hint="--catalog")
    root = catalog or Path(tempfile.mkdtemp(prefix="violet-record-"))
    opts = RecordCostOptions(
        minutes=minutes,
        baseline_minutes=baseline_minutes,
        symbols=symbols,
        rate=rate,
        flush_s=flush_s,
        period_minutes=period_minutes,
    )
    try:
        recording_s = (baseline_minutes + minutes) * 60
        result = _run_maybe_traced(
            partial(record_cost, opts, root),
            out / "tracemalloc.txt" if trace_memory else None,
            start_s=(baseline_minutes + minutes / 3) * 60,
            snapshot_s=recording_s - 5,
        )
    finally:
        if catalog is None:
            shutil.rmtree(root, ignore_errors=True)
    write_outputs(out, "record", result, "\n".join(summary_lines(result)) + "\n")


@scale_app.command("record-cycle")
def bench_record_cycle(
    hours: Annotated[float, typer.Option(min=0.05, help="Simulated hours of recording.")] = 3.0,
    symbols: Annotated[int, typer.Option(min=1, max=1000, help="Assets per venue.")] = 50,
    rate: Annotated[float, typer.Option(min=1, help="Ticks per simulated second, both venues together.")] = 505.0,
    new_thread_each: Annotated[
        bool, typer.Option(help="Every flush and compaction on a thread of its own (worker threads coming and going).")
    ] = False,
    ticks_while_flushing: Annotated[
        bool,
        typer.Option(
            help="Make the next window's ticks on the event loop while the flush runs (as live); off: one after the "
            "other, the recorder alone."
        ),
    ] = True,
    hour_pause_s: Annotated[
        float,
        typer.Option(
            min=0,
            help="The recorder's old cycle as a baseline: flushes wait for each closed hour's child and this many "
            "simulated seconds of ticks (live: ~20 s at 50 symbols) pile up for the next flush. 0: today's cycle, the "
            "child beside the flushes.",
        ),
    ] = 0.0,
    period_minutes: Annotated[
        int, typer.Option(min=2, max=60, help="The recorder's compaction period (an hour in `violet record`).")
    ] = 60,
    out: Annotated[Path, typer.Option(help="Directory for record-cycle.json.")] = Path("bench-out"),
) -> None:
    """The recorder's own cycle alone (flush every 5 s, compact each minute, a child for each closed hour) on a
    simulated clock with synthetic ticks: hours of recording in minutes, its memory sampled each simulated minute.
    What `violet bench record` shows and this does not is the live context, not the recorder.

    Example: violet bench record-cycle --hours 3 --out bench-out
    """
    import tempfile

    from violet.bench.record_cycle import CycleOptions, record_cycle, summary_lines

    opts = CycleOptions(
        hours=hours,
        symbols=symbols,
        records_per_s=rate,
        new_thread_each=new_thread_each,
        ticks_while_flushing=ticks_while_flushing,
        hour_pause_s=hour_pause_s,
        period_minutes=period_minutes,
    )
    with tempfile.TemporaryDirectory(prefix="violet-record-cycle-") as root:
        result = run_on_uvloop(partial(record_cycle, opts, Path(root)))
    write_outputs(out, "record-cycle", result, "\n".join(summary_lines(result)) + "\n")


@scale_app.command("universe")
def bench_universe(
    symbols: Annotated[
        str, typer.Option(help="Comma-separated universe sizes per venue; `full` is 600 (the simulated market).")
    ] = "50,200,full",
    rate: Annotated[float, typer.Option(min=1, help="Market events per second, per venue (live profile).")] = 5000.0,
    shards: Annotated[
        int | None,
        typer.Option(min=1, max=16, help='Feed shards for the alpha plane (default: `[feed] shards = "auto"`).'),
    ] = None,
    steady_s: Annotated[float, typer.Option(min=1, help="Seconds of the measured steady window.")] = 30.0,
    wait_s: Annotated[
        float, typer.Option(min=1, help="Longest wait for every asset's quote (start, reconnect).")
    ] = 120.0,
    rss_minutes: Annotated[
        float,
        typer.Option(
            min=0, help="Then this long with nothing kept, sampling every process's RSS (trend after half of it)."
        ),
    ] = 0.0,
    out: Annotated[Path, typer.Option(help="Directory for universe.json and universe.md.")] = Path("bench-out"),
) -> None:
    """The whole market through violet at each size: both simulators on the live profile, the universe resolved from
    their listings, the alpha plane in feed shards behind shared memory, BingX in this process. Per plane: every
    asset quoted after start and after a venue-wide reconnect (beside the floor the venue's limits set), venue ->
    reactor p50/p99, drops and conflation; CPU and RSS of every process.

    Example: violet bench universe --symbols 50,200,full --rate 5000 --out bench-out; RSS over 30 minutes at full
    size: violet bench universe --symbols full --rss-minutes 30
    """
    from violet.bench.universe import sizes_of, universe_bench
    from violet.bench.universe_report import markdown, to_json

    try:
        sizes = sizes_of(symbols)
    except ValueError:
        raise typer.BadParameter("comma-separated sizes or `full`, e.g. 50,200,full", param_hint="--symbols") from None
    if not sizes or any(not 2 <= n <= 2000 for n in sizes):
        raise typer.BadParameter("each between 2 and 2000", param_hint="--symbols")

    async def main() -> dict[str, object]:
        return await universe_bench(
            sizes=sizes, rate=rate, shards=shards or "auto", steady_s=steady_s, wait_s=wait_s, rss_s=rss_minutes * 60
        )

    report = run_on_uvloop(main)
    out.mkdir(parents=True, exist_ok=True)
    (out / "universe.json").write_bytes(to_json(report))
    text = markdown(report)
    (out / "universe.md").write_text(text)
    typer.echo(text)
