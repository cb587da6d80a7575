"""Where each stream violet uses lands, by NautilusTrader's own URL normalisation (and violet's for other hosts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from violet.adapters.nt_binance.routes import client_bases, misrouted_streams, route_of, serves
from violet.cli.app import app
from violet.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def test_examples_live_toml_puts_every_stream_violet_uses_on_a_route_that_serves_it() -> None:
    url = load_config(ROOT / "examples" / "live.toml").binance.ws_url
    bases = client_bases(url)
    assert route_of(bases["public"]) == "public", bases
    assert route_of(bases["market"]) == "market", bases
    assert serves("public", "bookTicker") and serves("market", "aggTrade")
    assert misrouted_streams(url) == []


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("wss://fstream.binance.com", []),
        ("wss://fstream.binance.com/public", []),  # NT re-derives both routes from Binance's own host
        ("ws://127.0.0.1:9000", []),  # violet routes a bare other host like Binance's
        ("ws://127.0.0.1:9000/public", ["aggTrade"]),  # used as given for both clients: trades acked, then silent
        ("ws://127.0.0.1:9000/market", ["bookTicker"]),
    ],
)
def test_a_url_that_sends_a_stream_to_the_wrong_route_is_named(url: str, bad: list[str]) -> None:
    assert [p.split()[0].removeprefix("@") for p in misrouted_streams(url)] == bad


def test_config_check_warns_about_a_misrouted_stream(tmp_path: Path) -> None:
    path = tmp_path / "v.toml"
    path.write_text('[alpha]\nadapter = "nt_binance"\n\n[binance]\nws_url = "ws://10.0.0.7:9000/public"\n')
    result = CliRunner().invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: [binance] ws_url: @aggTrade would go to ws://10.0.0.7:9000/public" in result.output
