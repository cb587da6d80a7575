"""The front page and the references: the README stays a front page whose first two lines are the two commands, and
the generated references are complete (a config key without a docstring, or a metric without a meaning, fails)."""

from __future__ import annotations

from pathlib import Path

import yaml

from violet.reference import config_keys, config_reference, metrics_reference

ROOT = Path(__file__).resolve().parents[2]
FIRST_TWO_LINES = [
    "./scripts/setup && .venv/bin/violet run --duration 20  ",
    "./scripts/setup && ./scripts/test",
]


def test_the_readme_is_a_front_page_that_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert lines[:2] == FIRST_TWO_LINES
    assert len(lines) <= 300


def test_every_config_key_is_documented_with_a_meaning() -> None:
    keys = list(config_keys())
    assert len(keys) > 40
    undocumented = [key for key, _, doc, _ in keys if len(doc) < 15]
    assert undocumented == [], f"keys without a docstring in violet.config.schema: {undocumented}"
    reference = config_reference()
    for key, field, _, _ in keys:
        assert f"| `{field.name}` |" in reference, key


def test_the_metrics_reference_lists_the_latency_families_and_the_plane_health_gauges() -> None:
    reference = metrics_reference()
    for name in ("violet_receive_to_delivery_seconds", "violet_assets_down", "violet_child_restarts_total"):
        assert f"`{name}`" in reference


def test_every_page_of_the_site_exists_and_the_readme_points_at_each() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!!python", "#"))
    pages: list[str] = []

    def walk(entries: list[object]) -> None:
        for entry in entries:
            assert isinstance(entry, dict)
            for value in entry.values():
                if isinstance(value, list):
                    walk(value)
                else:
                    pages.append(str(value))

    walk(config["nav"])
    generated = {"reference/config.md", "reference/metrics.md"}
    assert all((ROOT / "docs" / p).exists() for p in pages if p not in generated)
    readme = (ROOT / "README.md").read_text()
    missing = [
        p for p in pages if p.count("/") == 0 and p not in ("index.md", "changelog.md") and f"docs/{p}" not in readme
    ]
    assert missing == [], f"pages the README's 'where to go next' does not name: {missing}"


def test_the_readmes_reactor_is_the_example_the_tests_run() -> None:
    readme = (ROOT / "README.md").read_text()
    assert (ROOT / "examples" / "reactor.py").read_text() in readme
