"""Config errors say which file, which key, and why."""

from __future__ import annotations

import attrs

from violet.domain.errors import VioletError


@attrs.define
class ConfigError(VioletError, ValueError):
    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.reason}"
