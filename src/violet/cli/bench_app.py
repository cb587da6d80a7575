"""`violet bench ...`: every benchmark command (medians, percentiles, ratios to baselines in the same run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from violet import defaults as d
from violet.app.event_loop import run_on_uvloop
from violet.cli.bench_outputs import write_outputs
from violet.cli.bench_scale_app import scale_app
from violet.cli.bench_soaks import soak_each

bench_app = typer.Typer(
    help="Benchmarks (medians, percentiles, ratios to baselines in the same run).", no_args_is_help=True
)

CountOption = Annotated[int, typer.Option(min=1, max=200, help="How many simulated perpetuals (or keys).")]
BenchRateOption = Annotated[float, typer.Option(min=1, help="Messages per second, aggregate.")]
BenchSecondsOption = Annotated[float, typer.Option(min=1, help="Measured seconds per run.")]
RepeatsOption = Annotated[int, typer.Option(min=1, help="Runs per measurement; medians are reported.")]
bench_app.add_typer(scale_app)  # its commands (burst) sit beside these


RUN_SOAK_RATE = 10_000.0
"""Far-side messages per second of `bench run`'s soaks: what the BingX adapter sustains on the default quote source
(the local book) on two cores shared with its simulator, with room (docs/benchmarks.md)."""


DEFAULT_RUN_SCENARIOS = (
    "bingx-raw (baseline)",
    "bingx-violet",
    "binance-raw (baseline)",
    "binance-nt_binance",
    "binance-remote_shm",
)


@bench_app.command("run")
def bench_run(
    out: Annotated[Path, typer.Option(help="Directory for every report and plot.")] = Path("bench-out"),
    symbols: CountOption = 50,
    rate: BenchRateOption = 2000.0,
    duration: BenchSecondsOption = 8.0,
    repeats: RepeatsOption = 3,
    soak_ticks: Annotated[int, typer.Option(min=1000)] = 200_000,
) -> None:
    """The default bench run, shaped for a small shared machine (about 10 minutes at the defaults): latency of the
    main adapters and the shared-memory bridge against their baselines at one rate, repeated; a short soak (RSS,
    ticks/s) per adapter; the PNG/HTML report when matplotlib is installed. The full matrix (TLS, sweeps, peers,
    Hazelcast, engines) is the other `violet bench` commands.

    Example: violet bench run --out bench-out
    """
    from violet.bench.latency import bench
    from violet.bench.latency_report import markdown
    from violet.bench.soak import SOAK_ADAPTERS

    report = run_on_uvloop(
        lambda: bench(
            scenarios=list(DEFAULT_RUN_SCENARIOS),
            symbols=symbols,
            rate=rate,
            duration=duration,
            repeats=repeats,
            tls=False,
            out_dir=out,
        )
    )
    typer.echo(markdown(report))
    results = soak_each(SOAK_ADAPTERS, ticks=soak_ticks, symbols=symbols, rate=RUN_SOAK_RATE)
    (out / "soak.json").write_text(json.dumps(results, indent=2))
    try:
        from violet.bench.report import write_report

        typer.echo(str(write_report(out / "bench.json", out)))
    except ModuleNotFoundError:
        typer.echo("no plots: matplotlib is not installed (pip install 'violet[bench]')", err=True)


@bench_app.command("latency")
def bench_latency(
    out: Annotated[Path, typer.Option(help="Directory for bench.json and bench.md.")] = Path("bench-out"),
    scenarios: Annotated[list[str] | None, typer.Option("--scenario", help="Repeatable; all when omitted.")] = None,
    symbols: CountOption = 10,
    rate: Annotated[float, typer.Option(min=1, help="Aggregate simulator messages per second.")] = 2000.0,
    duration: Annotated[float, typer.Option(min=1, help="Measured seconds per run (after 3 s warm-up).")] = 10.0,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per scenario; medians are reported.")] = 3,
    tls: Annotated[bool, typer.Option("--tls", help="wss:// with the simulator's CA, as the real venues.")] = False,
    rates: Annotated[
        str | None, typer.Option(help="Comma-separated rates: a sweep (one report per rate, plus sweep.json).")
    ] = None,
) -> None:
    """Send -> delivery latency of violet's adapters against raw-client baselines, in one run.

    Scenarios: bingx-raw (baseline), bingx-lib-{aiohttp,websockets,picows}, bingx-violet, binance-raw (baseline),
    binance-nt_binance (also reports NT's own frame -> Actor callback latency), binance-peer-{ccxt,cryptofeed}
    (cryptofeed: --tls only), binance-remote_shm, binance-remote_shm-spin, binance-remote_hz (each also reports its
    bridge's own share). The simulator runs as a separate, pinned process; every process's CPU is reported.

    Example: violet bench latency --symbols 50 --rate 2000 --duration 10 --repeats 3 --out bench-out
    Sweep:   violet bench latency --scenario bingx-violet --rates 500,2000,8000 --out bench-out
    """
    from violet.bench.latency import SCENARIOS, bench

    chosen = scenarios or list(SCENARIOS)
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        typer.echo(f"unknown scenario(s) {unknown}; known: {list(SCENARIOS)}", err=True)
        raise typer.Exit(2)
    try:
        sweep = [float(r) for r in rates.split(",") if r.strip()] if rates else [rate]
    except ValueError:
        typer.echo(f"--rates: expected comma-separated numbers, got {rates!r}", err=True)
        raise typer.Exit(2) from None
    from violet.bench.latency import sweep_summary
    from violet.bench.latency_report import markdown

    reports = []
    for r in sweep:
        target = out if len(sweep) == 1 else out / f"rate-{r:g}"

        async def one(r: float = r, target: Path = target) -> dict[str, object]:
            return await bench(
                scenarios=chosen, symbols=symbols, rate=r, duration=duration, repeats=repeats, tls=tls, out_dir=target
            )

        report = run_on_uvloop(one)
        typer.echo(markdown(report))
        reports.append(report)
    if len(sweep) > 1:
        summary = sweep_summary(reports)
        (out / "sweep.json").write_text(json.dumps(summary, indent=2))
        typer.echo(json.dumps(summary["highest_zero_drop_rate"]))


@bench_app.command("sim")
def bench_sim(
    venue: Annotated[str, typer.Option(help="binance or bingx.")] = "binance",
    rate: BenchRateOption = 20_000.0,
    symbols: CountOption = 10,
    duration: BenchSecondsOption = 5.0,
) -> None:
    """Can a simulator sustain RATE msgs/s to one raw client on loopback? Prints sent and received rates.

    Example: violet bench sim --venue binance --rate 20000
    """
    from violet.bench.startup import sim_throughput

    result = run_on_uvloop(lambda: sim_throughput(venue=venue, symbols=symbols, rate=rate, duration=duration))
    typer.echo(json.dumps(result))


@bench_app.command("hz-transport")
def bench_hz_transport(
    out: Annotated[Path, typer.Option(help="Directory for hz-transport.json.")] = Path("bench-out"),
    assets: CountOption = 50,
    rates: Annotated[str, typer.Option(help="Comma-separated messages per second.")] = "500,2000,10000",
    duration: Annotated[float, typer.Option(min=1, help="Measured seconds per run (after a 2 s warm-up).")] = 8.0,
    repeats: RepeatsOption = 2,
) -> None:
    """IMap + entry listener vs ReliableTopic + listener on a real Hazelcast member: latency and loss.

    Starts a member with scripts/hazelcast-member unless VIOLET_HZ_MEMBERS names a cluster.

    Example: violet bench hz-transport --rates 500,2000,10000 --duration 8 --repeats 2
    """
    from violet.bench.hz_transport import compare, markdown

    try:
        rate_list = [float(r) for r in rates.split(",") if r.strip()]
    except ValueError:
        typer.echo(f"--rates: expected comma-separated numbers, got {rates!r}", err=True)
        raise typer.Exit(2) from None
    report = compare(assets=assets, rates=rate_list, duration=duration, repeats=repeats)
    write_outputs(out, "hz-transport", report, markdown(report))


@bench_app.command("shm")
def bench_shm(
    out: Annotated[Path, typer.Option(help="Directory for shm-engines.json and .md.")] = Path("bench-out"),
    assets: CountOption = 50,
    rate: BenchRateOption = 2000.0,
    duration: BenchSecondsOption = 8.0,
    repeats: RepeatsOption = 3,
) -> None:
    """Single-host bridge engines compared: violet's seqlock table (wake-ups or spin) vs iceoryx2's Blackboard
    with Events (event-driven or spin), writer process -> reader, one update stream.

    Example: violet bench shm --rate 2000 --duration 8 --repeats 3
    """
    from violet.bench.shm_engines import compare, markdown

    runs = compare(assets=assets, rate=rate, duration=duration, repeats=repeats)
    write_outputs(out, "shm-engines", runs, markdown(runs))


@bench_app.command("soak")
def bench_soak(
    ticks: Annotated[int, typer.Option(min=1000, help="Ticks through one consumer per adapter.")] = 1_000_000,
    adapters: Annotated[str, typer.Option(help="Comma-separated: in_memory, bingx, remote_shm.")] = (
        "in_memory,bingx,remote_shm"
    ),
    symbols: CountOption = 50,
    rate: Annotated[float, typer.Option(min=1, help="Far-side messages per second (--system: per venue).")] = (
        RUN_SOAK_RATE
    ),
    out: Annotated[Path, typer.Option(help="Directory for soak.json.")] = Path("bench-out"),
    system: Annotated[
        bool, typer.Option("--system", help="Run the whole system (`violet run`) and watch every process.")
    ] = False,
    hours: Annotated[float, typer.Option(min=0.001, help="--system: how long.")] = 1.0,
    warmup_min: Annotated[float, typer.Option(min=0, help="--system: slopes are taken after this.")] = 2.0,
    disconnect_every_min: Annotated[
        float | None, typer.Option(min=0.05, help="--system: both venues close every socket this often.")
    ] = None,
    sample_s: Annotated[float, typer.Option(min=0.1, help="--system: RSS sampling period.")] = 10.0,
    alpha: Annotated[str, typer.Option(help="--system: the alpha plane's bridge, remote_shm or remote_hz.")] = (
        "remote_shm"
    ),
    max_slope: Annotated[
        float | None,
        typer.Option(help="--system: exit 1 if a violet process grows more (MiB per million ticks) after warm-up."),
    ] = None,
    quote_source: Annotated[d.BingxQuoteSource, typer.Option(help="The BingX adapter's quote source.")] = (
        d.BINGX_QUOTE_SOURCE
    ),
) -> None:
    """RSS growth per million ticks and sustained ticks/s through one consumer, per adapter; or, with --system,
    RSS of every process of a running violet (reactor, feed, simulators, Hazelcast member) over hours.

    Examples: violet bench soak --ticks 1000000 --adapters bingx,remote_shm;
    violet bench soak --system --hours 1 --symbols 50 --rate 2000 --disconnect-every-min 5
    """
    from violet.bench.soak import SOAK_ADAPTERS

    if system:
        _soak_system(hours, warmup_min, symbols, rate, disconnect_every_min, sample_s, alpha, max_slope, out)
        return

    chosen = [a.strip() for a in adapters.split(",") if a.strip()]
    unknown = [a for a in chosen if a not in SOAK_ADAPTERS]
    if unknown:
        typer.echo(f"--adapters: unknown {unknown}; known: {list(SOAK_ADAPTERS)}", err=True)
        raise typer.Exit(2)
    results = soak_each(chosen, ticks=ticks, symbols=symbols, rate=rate, quote_source=quote_source)
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(results, indent=2))


def _soak_system(
    hours: float,
    warmup_min: float,
    symbols: int,
    rate: float,
    disconnect_every_min: float | None,
    sample_s: float,
    alpha: str,
    max_slope: float | None,
    out: Path,
) -> None:

    from violet.bench.system_soak import problems, summary_lines, system_soak

    if alpha not in ("remote_shm", "remote_hz"):
        raise typer.BadParameter("must be remote_shm or remote_hz", param_hint="--alpha")
    result = run_on_uvloop(
        lambda: system_soak(
            seconds=hours * 3600,
            warmup_s=warmup_min * 60,
            symbols=symbols,
            rate=rate,
            disconnect_every_s=None if disconnect_every_min is None else disconnect_every_min * 60,
            sample_every_s=sample_s,
            alpha_adapter=alpha,
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak-system.json").write_text(json.dumps(result, indent=2))
    typer.echo(json.dumps(result))
    for line in summary_lines(result):
        typer.echo(f"soak: {line}", err=True)
    failed = problems(result, max_slope=max_slope)
    for problem in failed:
        typer.echo(f"soak: FAILED: {problem}", err=True)
    if failed:
        raise typer.Exit(1)


@bench_app.command("reconnect")
def bench_reconnect(
    symbols: CountOption = 50,
    repeats: RepeatsOption = 5,
    venue: Annotated[str, typer.Option(help="bingx (violet's client) or binance (NautilusTrader's).")] = "bingx",
    topics_per_socket: Annotated[
        int | None, typer.Option(min=2, max=200, help="BingX only. Default: the adapter's.")
    ] = None,
) -> None:
    """The venue closes every socket and is back at once; seconds until every asset has a fresh quote again.

    Example: violet bench reconnect --venue binance --symbols 50 --repeats 5
    """
    from violet.bench.soak import reconnect_to_fresh

    if venue not in ("bingx", "binance"):
        raise typer.BadParameter("must be bingx or binance", param_hint="--venue")
    result = run_on_uvloop(
        lambda: reconnect_to_fresh(venue=venue, symbols=symbols, repeats=repeats, topics_per_socket=topics_per_socket)
    )
    typer.echo(json.dumps(result))


@bench_app.command("report")
def bench_report(
    bench_json: Annotated[Path, typer.Option("--in", help="bench.json from `violet bench latency`.")] = Path(
        "bench-out/bench.json"
    ),
    out: Annotated[Path, typer.Option(help="Directory for index.html and the PNG plots.")] = Path("bench-out"),
) -> None:
    """PNG plots (latency CDF per venue vs its baseline) and an HTML page from a latency report.

    Needs matplotlib (pip install 'violet[bench]'). Example: violet bench report --in bench-out/bench.json
    """
    try:
        from violet.bench.report import write_report

        page = write_report(bench_json, out)
    except ModuleNotFoundError as exc:
        typer.echo(f"violet bench report needs the bench extra: {exc}", err=True)
        raise typer.Exit(2) from None
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"cannot build the report from {bench_json}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(str(page))


@bench_app.command("quote-sources")
def bench_quote_sources(
    out: Annotated[Path, typer.Option(help="Directory for quote-sources.json and .md.")] = Path("bench-out"),
    symbols: Annotated[int, typer.Option(min=3, max=200, help="Simulated symbols (the last is the thinnest).")] = 20,
    seconds: Annotated[float, typer.Option(min=5, help="Measured seconds (after a 3 s start).")] = 120.0,
) -> None:
    """BingX quote sources (book, bookTicker, depth5) side by side on the live profile: how often a fresh quote
    exists (250 ms, 1 s, 2 s) and its age, for BTC, ETH and the thinnest name. E.g. `--seconds 120`."""
    from violet.bench.quote_sources import markdown, quote_sources

    rows = run_on_uvloop(lambda: quote_sources(symbols=symbols, seconds=seconds))
    write_outputs(out, "quote-sources", rows, markdown(rows))


@bench_app.command("first-tick")
def bench_first_tick(symbols: CountOption = 50) -> None:
    """Seconds from starting the NT Binance adapter to its first tick and to a tick on every asset."""
    from violet.bench.startup import first_tick_nt

    result = run_on_uvloop(lambda: first_tick_nt(symbols=symbols))
    typer.echo(json.dumps(result))


@bench_app.command("prices")
def bench_prices(
    repeats: Annotated[int, typer.Option(min=1, help="Repeats; the median is reported.")] = 5,
    n: Annotated[int, typer.Option(min=1000, help="Prices per repeat.")] = 200_000,
) -> None:
    """Micro-benchmark of price representations (parse, validate, compare, format).

    Example: violet bench prices --repeats 5
    """
    from violet.bench.price_repr import main as price_main

    price_main(repeats=repeats, n=n)
