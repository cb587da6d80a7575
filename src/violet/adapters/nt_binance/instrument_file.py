"""The exchangeInfo a successful start saw, kept on disk so that a start refused by the venue (HTTP 451, a region
block of the REST endpoint while the WebSocket still serves) can begin from it.

The file is the venue's own response body, written atomically after every successful load, and read back through
the same tolerant decoder. Its age is its modification time: older than `max_age_h` it is refused (listings and tick
sizes change) unless the config says any age will do.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Literal

import attrs

from violet.domain.errors import VioletError

log = logging.getLogger("violet.nt_binance")

OnRefused = Literal["fail", "use-file", "use-file-any-age"]


class InstrumentFileError(VioletError, RuntimeError):
    """The venue refused exchangeInfo and the instrument file cannot stand in: missing, or too old."""


@attrs.frozen(kw_only=True)
class InstrumentFile:
    path: Path
    on_refused: OnRefused = "fail"
    max_age_h: float = 24.0

    def save(self, body: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        tmp.replace(self.path)  # readers see the old file or the new one, never half of one

    def fallback(self, refusal: str) -> bytes:
        """The saved body in place of a refused exchangeInfo, or `InstrumentFileError` saying why not."""
        if self.on_refused == "fail":
            raise InstrumentFileError(f"{refusal}; no fallback configured ([binance] on_exchange_info_refused)")
        try:
            age_h = (time.time() - self.path.stat().st_mtime) / 3600
            body = self.path.read_bytes()
        except OSError as exc:
            raise InstrumentFileError(f"{refusal}; and the instrument file {self.path} cannot be read: {exc}") from None
        if age_h > self.max_age_h and self.on_refused != "use-file-any-age":
            raise InstrumentFileError(
                f"{refusal}; the instrument file {self.path} is {age_h:.1f} h old, older than "
                f"{self.max_age_h:g} h (on_exchange_info_refused = 'use-file-any-age' starts from it anyway)"
            )
        log.warning("%s: starting from the instrument file %s, written %.1f h ago", refusal, self.path, age_h)
        return body
