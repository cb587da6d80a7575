from __future__ import annotations

from pathlib import Path

import pytest

from violet.composition import build_app
from violet.config import ConfigError, VioletConfig, load_config
from violet.domain import FeedState


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "violet.toml"
    path.write_text(text)
    return path


def test_embedded_defaults_build_unstarted_feeds() -> None:
    app = build_app(load_config(None))
    assert app.alpha.state is FeedState.CONNECTING and app.venue.state is FeedState.CONNECTING
    assert "BTCUSDT-PERP" in app.alpha.assets()
    assert app.services


def test_a_valid_file_is_loaded(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[alpha]\nadapter = "in_memory"\nassets = ["SOLUSDT-PERP"]\n'))
    assert cfg.alpha.assets == ["SOLUSDT-PERP"]
    assert cfg.venue == VioletConfig().venue


@pytest.mark.parametrize(
    ("text", "key", "reason_part"),
    [
        ("[alpha]\nstaleness_budget_ms = -5\n", "alpha.staleness_budget_ms", "Expected `float` > 0.0"),
        ('[alpha]\nstaleness_budget_ms = "5"\n', "alpha.staleness_budget_ms", "got `str`"),
        ('[alpha]\nadapter = "carrier-pigeon"\n', "alpha.adapter", "Invalid enum value 'carrier-pigeon'"),
        ('[alpha]\nassets = ["btcusdt"]\n', "alpha.assets[0]", "Expected `str` matching regex"),
        ("[alpha]\ncolour = 1\n", "alpha", "unknown field `colour`"),
        ("[alpha\n", "", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path: Path, text: str, key: str, reason_part: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    assert reason_part in info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
