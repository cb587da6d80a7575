"""Entry point of the `violet` command (typer)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from violet.config import ConfigError, load_config

app = typer.Typer(
    name="violet",
    help="Normalized, low-latency crypto prices for a trading reactor.",
    no_args_is_help=True,
    add_completion=False,
)
config_app = typer.Typer(help="Work with violet.toml files.", no_args_is_help=True)
bench_app = typer.Typer(
    help="Benchmarks (medians, percentiles, ratios to baselines in the same run).", no_args_is_help=True
)
app.add_typer(config_app, name="config")
app.add_typer(bench_app, name="bench")

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


@app.command()
def run(
    config: ConfigOption = None,
    duration: Annotated[float | None, typer.Option(min=0.1, help="Stop after this many seconds.")] = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print JSON snapshots instead of the live view.")
    ] = False,
) -> None:
    """Run the main job: both price planes and the example reactor, with a live view.

    Example: violet run --duration 20
    """
    from violet.cli.run_command import run as run_main

    try:
        code = run_main(config, duration, json)
    except ConfigError as exc:
        typer.echo(f"config error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(help="The TOML file to validate.")]) -> None:
    """Validate a config file; exits 2 with file, key, expected and got on error.

    Example: violet config check examples/demo.toml
    """
    try:
        load_config(file)
    except ConfigError as exc:
        typer.echo(f"config error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{file}: ok")


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


def main() -> None:
    app()
