"""Config errors say which file, which key, and why."""

from __future__ import annotations


class ConfigError(ValueError):
    def __init__(self, file: str, key: str, reason: str) -> None:
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason
