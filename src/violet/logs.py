"""Log output for every violet process: text for people, JSON lines for a log pipeline (`--log-format json`).

Secrets are redacted from every record, whatever logged it: the values of the credential variables violet reads
are replaced in the message and in structured data before a formatter sees them.
Structured data goes in `extra={"data": {...}}`: JSON output carries it as a field, text output appends it.
NautilusTrader's own log lines come from its Rust logger and keep its format (it offers JSON only for log files).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

import msgspec
from pythonjsonlogger.json import JsonFormatter

from violet.secrets import Secret, redact, secret_from_env

SECRET_VARIABLES = ("BINANCE_FUTURES_API_KEY", "BINANCE_FUTURES_API_SECRET")
FORMAT_VARIABLE = "VIOLET_LOG_FORMAT"
"""Children (simulators, `violet feed`) started by violet inherit the parent's format through this variable."""


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[Secret]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s.reveal()) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = redact(record.getMessage(), self._secrets)
            record.args = None
            data = getattr(record, "data", None)
            if data is not None:
                record.data = msgspec.json.decode(redact(msgspec.json.encode(data).decode(), self._secrets))
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        data = getattr(record, "data", None)
        return text if data is None else f"{text} {msgspec.json.encode(data).decode()}"


def _secrets() -> list[Secret]:
    found = []
    for name in SECRET_VARIABLES:
        try:
            found.append(secret_from_env(name, ""))
        except OSError:  # an unreadable or insecure *_FILE: the adapter reports it where it reads the credential
            continue
    return found


def configure(fmt: LogFormat | str | None = None, *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Route every logger to `stream` (stderr) in `fmt` (else $VIOLET_LOG_FORMAT, else text), secrets redacted:
    violet's own from `level`, libraries' from WARNING."""
    chosen = LogFormat(fmt or os.environ.get(FORMAT_VARIABLE) or LogFormat.TEXT)
    os.environ[FORMAT_VARIABLE] = chosen.value
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets(_secrets()))
    formatter: logging.Formatter
    if chosen is LogFormat.JSON:
        formatter = JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_default=_json_default,
        )
    else:
        formatter = TextFormatter("%(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # Libraries log their own routine (picows: every connection) at INFO: only their warnings are news here.
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("violet").setLevel(level)


def _json_default(value: Any) -> Any:
    return str(value)
