"""The simulator commands' shared options: declared once, parsed by typer beside each command's own, defaulted when
the command is called as a function (as `violet replay` does)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from typer.testing import CliRunner

from violet.cli.sim_options import Profile, SimOptions, with_sim_options


def _recording_app() -> tuple[typer.Typer, Callable[..., None], list[tuple[SimOptions, int]]]:
    seen: list[tuple[SimOptions, int]] = []
    app = typer.Typer()

    @app.command()
    @with_sim_options
    def serve(opts: SimOptions, max_topics: Annotated[int, typer.Option(min=1)] = 200) -> None:
        seen.append((opts, max_topics))

    return app, serve, seen


def test_shared_and_own_options_are_parsed_together() -> None:
    app, _, seen = _recording_app()
    result = CliRunner().invoke(
        app, ["--port", "9100", "--rate", "250", "--profile", "uniform", "--replay", "x.jsonl", "--max-topics", "7"]
    )
    assert result.exit_code == 0, result.output
    [(opts, max_topics)] = seen
    assert (opts.port, opts.rate, opts.profile, opts.replay_file, max_topics) == (
        9100,
        250.0,
        Profile.uniform,
        Path("x.jsonl"),
        7,
    )
    assert opts.symbols == SimOptions().symbols


def test_a_shared_option_keeps_its_validation() -> None:
    app, _, seen = _recording_app()
    result = CliRunner().invoke(app, ["--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output
    assert seen == []


def test_called_as_a_function_the_left_out_options_take_their_defaults() -> None:
    _, serve, seen = _recording_app()
    serve(port=5, no_market=True)
    [(opts, max_topics)] = seen
    assert (opts.port, opts.no_market, opts.host, max_topics) == (5, True, "127.0.0.1", 200)


def test_config_fields_are_simconfig_names() -> None:
    fields = SimOptions(rate=42.0, no_market=True, burst="20:5").config_fields()
    assert fields["rate_hz"] == 42.0
    assert fields["market"] is False
    assert (fields["burst"], fields["burst_every_s"]) == ((20.0, 5.0), 60.0)
