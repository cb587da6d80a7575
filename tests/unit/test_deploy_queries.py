"""Every query in deploy/ (alert rules, Grafana dashboard) parses as PromQL and names only metrics violet exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from violet.adapters.in_memory import InMemoryPriceFeed, InMemoryVenue
from violet.metrics import MonitoredPlane
from violet.metrics.collector import BridgeOutput
from violet.metrics.server import build_registry
from violet.reference import metric_families

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PROMETHEUS_OWN = {"up"}
"""Series Prometheus makes itself for every target."""


def exported_families() -> dict[str, str]:
    """Name -> type of every family a violet process exposes (listed with or without samples)."""
    from prometheus_client import generate_latest

    feed = InMemoryPriceFeed(InMemoryVenue(("BTCUSDT-PERP",)))
    output = BridgeOutput(plane="alpha", bridge="violet-alpha", published=lambda: 0, rejected=lambda: 0)
    registry, _ = build_registry([MonitoredPlane(name="venue", adapter="in_memory", feed=feed)], [output])
    text = generate_latest(registry).decode()
    return {family.name: family.type for family in text_string_to_metric_families(text)}


SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported_series() -> set[str]:
    return {name + suffix for name, kind in exported_families().items() for suffix in SUFFIXES[kind]}


def queries() -> Iterator[tuple[str, str]]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "violet-alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield f"alert {rule['alert']}", rule["expr"]
    dashboard = json.loads((DEPLOY / "grafana" / "violet-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield f"panel {panel['title']!r}", target["expr"]


def selected_metrics(expr: str) -> list[str]:
    names: list[str] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            names.append(node.name or "<a selector without a metric name>")
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def test_the_exported_families_are_the_documented_ones() -> None:
    series = exported_series()
    assert {
        "violet_ticks_received_total",
        "violet_ticks_rejected_total",
        "violet_reconnects_total",
        "violet_quote_age_seconds",
        "violet_receive_to_delivery_seconds_bucket",
        "violet_bridge_latency_seconds_bucket",
    } <= series
    shown = {name + ("_total" if kind == "counter" else "") for name, kind in exported_families().items()}
    reference = metric_families()  # what the docs' metrics reference lists, generated from the exporter
    assert shown <= set(reference), f"exported but not in the metrics reference: {sorted(shown - set(reference))}"
    unexplained = sorted(name for name, (_, help_text, _) in reference.items() if len(help_text) < 15)
    assert not unexplained, f"metrics without a meaning in the reference: {unexplained}"


@pytest.mark.parametrize(("where", "expr"), list(queries()))
def test_every_query_names_exported_metrics(where: str, expr: str) -> None:
    names = selected_metrics(expr)
    assert names, f"{where}: {expr!r} selects no metric"
    unknown = set(names) - exported_series() - PROMETHEUS_OWN
    assert not unknown, f"{where}: {expr!r} names {sorted(unknown)}, which violet does not export"


def test_every_alert_named_by_the_issue_exists() -> None:
    exprs = " ".join(expr for where, expr in queries() if where.startswith("alert"))
    for metric in ("violet_quote_fresh", "violet_reconnects_total", "violet_silent_streams", "violet_feed_state"):
        assert metric in exprs
