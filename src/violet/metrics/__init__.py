"""Prometheus metrics and health endpoints for a process serving price planes (`violet run`, `violet feed`, or a
reactor through `open_planes(..., metrics_port=)`)."""

from violet.metrics.collector import MonitoredPlane, PlaneCollector
from violet.metrics.server import MetricsPortUnavailable, MetricsServer, serve_metrics

__all__ = ["MetricsPortUnavailable", "MetricsServer", "MonitoredPlane", "PlaneCollector", "serve_metrics"]
