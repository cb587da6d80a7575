"""Entry point of the `violet` command (typer): the top-level commands; `sim` and `bench` live in their own
modules."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from violet.app.processes import die_with_parent
from violet.cli.bench_app import bench_app
from violet.cli.sim_app import sim_app, sim_binance, sim_bingx
from violet.cli.sim_options import PortOption
from violet.config import ConfigError, load_config
from violet.logs import FORMAT_VARIABLE, LogFormat
from violet.logs import configure as configure_logging

app = typer.Typer(
    name="violet",
    help="Normalized, low-latency crypto prices for a trading reactor.",
    no_args_is_help=True,
    add_completion=False,
)
config_app = typer.Typer(help="Work with violet.toml files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(sim_app, name="sim")
app.add_typer(bench_app, name="bench")

log = logging.getLogger("violet.cli")


def _print_version(asked: bool) -> None:
    if asked:
        from violet import __version__

        typer.echo(f"violet {__version__}")
        raise typer.Exit(0)


@app.callback()
def options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print violet's version and exit."),
    ] = False,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar=FORMAT_VARIABLE,
            help="Log lines as text or JSON (secrets redacted either way); children started by violet follow.",
        ),
    ] = LogFormat.TEXT,
) -> None:
    """Normalized, low-latency crypto prices for a trading reactor."""
    die_with_parent()
    configure_logging(log_format)


def config_failed(exc: ConfigError) -> typer.Exit:
    """Report an invalid config (file, key, expected, got) and the exit code that says so (2)."""
    log.error("config error: %s", exc)
    return typer.Exit(2)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="violet.toml to use; the embedded defaults when omitted.",
        exists=False,
        dir_okay=False,
    ),
]


MetricsPortOption = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="Serve Prometheus /metrics, /healthz and /readyz on this port (0: any free port).",
    ),
]
MetricsHostOption = Annotated[
    str, typer.Option("--metrics-host", help="Address the metrics port binds (0.0.0.0 for a remote Prometheus).")
]


@app.command()
def run(
    config: ConfigOption = None,
    duration: Annotated[float | None, typer.Option(min=0.1, help="Stop after this many seconds.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON snapshots instead of the live view.")] = False,
    metrics_port: MetricsPortOption = None,
    metrics_host: MetricsHostOption = "127.0.0.1",
    rows: Annotated[
        int, typer.Option(min=1, help="Live view: past this many assets, counts by verdict and the worst and busiest.")
    ] = 24,
    filter_: Annotated[str, typer.Option("--filter", help="Live view: only assets whose name contains this.")] = "",
    assets: Annotated[
        str, typer.Option(help="--json: the per-asset section: all, none, or auto (all up to 100 assets).")
    ] = "auto",
) -> None:
    """Run the main job: both price planes and the example reactor, with a live view.

    Example: violet run --duration 20
    """
    from violet.cli.run_command import MetricsEndpoint
    from violet.cli.run_command import run as run_main
    from violet.cli.snapshot_view import ViewOptions
    from violet.metrics import MetricsPortUnavailable

    if assets not in ("auto", "all", "none"):
        log.error("--assets must be auto, all or none")
        raise typer.Exit(2)
    view = ViewOptions(rows=rows, filter=filter_, assets=assets)  # type: ignore[arg-type]
    metrics = None if metrics_port is None else MetricsEndpoint(port=metrics_port, host=metrics_host)
    try:
        code = run_main(config, duration, json, metrics, view)
    except ConfigError as exc:
        raise config_failed(exc) from None
    except MetricsPortUnavailable as exc:
        log.error("%s", exc.strerror)  # noqa: TRY400 - named, no traceback
        raise typer.Exit(5) from None
    raise typer.Exit(code)


@app.command()
def feed(
    config: Annotated[Path, typer.Option("--config", "-c", help="violet.toml naming the remote planes to publish.")],
    metrics_port: MetricsPortOption = None,
    metrics_host: MetricsHostOption = "127.0.0.1",
    shard: Annotated[
        int, typer.Option(min=0, max=15, help="Which shard of `[feed] shards` this process publishes (0-based).")
    ] = 0,
    watch_listings: Annotated[
        bool,
        typer.Option(
            help="The planes' assets were resolved from `[universe]` by whoever started this feed (its `select` "
            "spent): read the listings again every `refresh_s` and publish this shard's share of new ones."
        ),
    ] = False,
) -> None:
    """Run the feed process: source adapters (NT Binance, BingX) publishing into the shared-memory bridge.

    Publishes every plane whose adapter is remote_shm; stops cleanly on SIGINT/SIGTERM. Exit codes: 0 stopped,
    2 config error, 3 a source failed to start, 4 the bridge could not be created, 5 the metrics port is unavailable.

    Example: violet feed --config examples/feed.toml
    """
    from violet.feed.process import main as feed_main

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        raise config_failed(exc) from None
    try:
        code = feed_main(
            cfg, metrics_port=metrics_port, metrics_host=metrics_host, shard=shard, watch_listings=watch_listings
        )
    except ConfigError as exc:
        raise config_failed(exc) from None
    raise typer.Exit(code)


@app.command("record")
def record_cmd(
    plane: Annotated[str | None, typer.Option(help="Raw frames: alpha (Binance) or venue (BingX).")] = None,
    out: Annotated[Path | None, typer.Option(help="Raw frames: the output file (.jsonl.gz).")] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="Both planes into this NautilusTrader catalog (created or extended).")
    ] = None,
    config: ConfigOption = None,
    duration: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds to record (--catalog: until Ctrl-C when omitted).")
    ] = None,
    flush_s: Annotated[float, typer.Option(min=0.1, help="--catalog: seconds between flushes to disk.")] = 5.0,
    verdicts_every_s: Annotated[
        float | None,
        typer.Option(
            min=0.01, help="--catalog: also log every asset's live verdict this often (a replay is checked against it)."
        ),
    ] = None,
) -> None:
    """Record the market: raw venue frames for `violet replay` (--plane, --out), or both planes as NautilusTrader
    quotes, trades and instruments for research and backtests (--catalog).

    Raw frames come from the venues the config names (without --config, the real venues); a catalog records the
    planes as the config delivers them (any adapter, remote ones included; without --config, the embedded
    defaults' simulators). A catalog is written crash-safe: an interrupted recording leaves whole files only.

    Example: violet record --plane venue --out bingx.jsonl.gz --duration 30 --config live.toml
    Example: violet record --catalog market/ --duration 1200
    """
    import anyio

    raw = plane is not None or out is not None
    if (catalog is not None) == raw or (raw and (plane is None or out is None)):
        log.error("give --catalog DIR, or --plane and --out (raw frames)")
        raise typer.Exit(2)
    if plane is not None and plane not in ("alpha", "venue"):
        log.error("--plane must be alpha or venue")
        raise typer.Exit(2)
    try:
        cfg = load_config(config) if config else load_config(None)
    except ConfigError as exc:
        raise config_failed(exc) from None
    if catalog is not None:
        from violet.cli import catalog_record_command

        summary = catalog_record_command.run(cfg, catalog, duration, flush_s, verdicts_every_s)
        typer.echo(json.dumps(summary))
        return
    from violet.cli.record_command import record

    assert plane is not None and out is not None
    n = anyio.run(record, cfg, plane, out, 60.0 if duration is None else duration)
    typer.echo(f"{out}: {n} frames")


study_app = typer.Typer(help="Studies over a recording made by `violet record --catalog`.", no_args_is_help=True)
app.add_typer(study_app, name="study")


@study_app.command("lead-lag")
def study_lead_lag(
    catalog: Annotated[Path, typer.Option(help="A catalog made by `violet record --catalog`.")],
    assets: Annotated[
        str | None, typer.Option(help="Comma-separated assets (default: every asset both planes recorded).")
    ] = None,
    bin_ms: Annotated[int, typer.Option(min=1, max=10_000, help="Bin width: mids are sampled every bin.")] = 50,
    max_lag_ms: Annotated[int, typer.Option(min=1, max=60_000, help="Lags studied, both ways.")] = 1000,
    out: Annotated[Path, typer.Option(help="Directory for lead_lag.json, .csv and .png.")] = Path("study-out"),
) -> None:
    """Cross-correlation of Binance's and BingX's mid returns against lag, per asset and pooled, over a recording
    replayed through the `history` adapter (the reactor's own estimator): the table, then JSON, CSV and a plot.

    Example: violet study lead-lag --catalog market/ --out study-out
    """
    from violet.cli import study_command

    if max_lag_ms < bin_ms:
        log.error("--max-lag-ms must be at least one bin (--bin-ms)")
        raise typer.Exit(2)
    wanted = [a.strip() for a in assets.split(",") if a.strip()] if assets else None
    try:
        run = study_command.main(catalog, wanted, bin_ms=bin_ms, max_lag_ms=max_lag_ms, out=out)
    except study_command.NothingToStudy as exc:
        log.error("nothing to study: %s", exc)  # noqa: TRY400  # the reason is the message, no traceback
        raise typer.Exit(2) from None
    typer.echo(study_command.table(run))
    typer.echo(f"written: {out}/lead_lag.json, lead_lag.csv, lead_lag.png")


@app.command("replay")
def replay_cmd(
    file: Annotated[Path, typer.Argument(help="A recording made by `violet record`.")],
    plane: Annotated[str, typer.Option(help="alpha (Binance simulator) or venue (BingX simulator).")],
    speed: Annotated[float, typer.Option(min=0, help="1 = original speed, 0 = as fast as possible.")] = 1.0,
    port: PortOption = 0,
) -> None:
    """Serve a recording through the plane's venue simulator (random walk off), at original or scaled speed.

    Example: violet replay bingx.jsonl.gz --plane venue --speed 2
    """
    if plane == "alpha":
        sim_binance(port=port, replay_file=file, speed=speed, no_market=True)
    elif plane == "venue":
        sim_bingx(port=port, replay_file=file, speed=speed, no_market=True)
    else:
        log.error("--plane must be alpha or venue")
        raise typer.Exit(2)


@app.command("universe")
def universe_cmd(
    config: ConfigOption = None,
    show: Annotated[int, typer.Option(min=0, help="Print this many names, largest 24 h quote volume first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="The whole selection as JSON.")] = False,
) -> None:
    """Print the assets a `[universe]` rule selects from the venues' listings now (the config's rule, or every
    USDT perpetual listed on both venues when it has none), and what it leaves out and why.

    Example: violet universe --config examples/universe.toml --show 50
    """
    import anyio
    import msgspec

    from violet.cli.universe_command import report, resolve_only
    from violet.universe import ListingsUnavailable, NothingSelected

    try:
        cfg = load_config(config)
        selection = anyio.run(resolve_only, cfg)
    except ConfigError as exc:
        raise config_failed(exc) from None
    except (ListingsUnavailable, NothingSelected) as exc:
        log.error("universe: %s", exc)  # noqa: TRY400 - the message says which venue and why; no traceback
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(msgspec.json.encode(selection, enc_hook=str).decode())
        return
    for line in report(selection, show=show):
        typer.echo(line)


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(help="The TOML file to validate.")]) -> None:
    """Validate a config file; exits 2 with file, key, expected and got on error.

    Example: violet config check examples/demo.toml
    """
    try:
        cfg = load_config(file)
    except ConfigError as exc:
        raise config_failed(exc) from None
    if cfg.alpha.adapter in ("nt_binance", "remote_shm", "remote_hz") and not cfg.simulators.enabled:
        from violet.adapters.nt_binance.routes import misrouted_streams

        for problem in misrouted_streams(cfg.binance.ws_url, cfg.binance.trades):
            log.warning("warning: [binance] ws_url: %s", problem)
    typer.echo(f"{file}: ok")


@config_app.command("reference")
def config_reference_cmd() -> None:
    """Print every violet.toml key with its type, default, unit and meaning (Markdown), from the schema itself.

    Example: violet config reference
    """
    from violet.reference import config_reference

    typer.echo(config_reference())


def main() -> None:
    app()
