"""TLS like the real venues: a throwaway CA generated at start; clients trust it via its PEM file."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


def make_server_tls(
    directory: Path, hostnames: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> tuple[ssl.SSLContext, Path]:
    """A server context for `hostnames` and the path of the CA certificate that signed it."""
    ca = trustme.CA()
    cert = ca.issue_cert(*hostnames)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    directory.mkdir(parents=True, exist_ok=True)
    ca_path = directory / "violet-sim-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return ctx, ca_path


def client_tls(ca_path: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_path))
