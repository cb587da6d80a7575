"""Secrets: read from the environment (or a 0600 file), never shown. `repr`/`str` print a redaction."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from violet.domain.errors import VioletError

REDACTED = "***redacted***"


class InsecureSecretFile(VioletError, PermissionError):
    pass


class Secret:
    """A string that does not print itself. Call `reveal()` at the one place a library needs it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("secrets are not pickled")


def secret_from_env(name: str, default: str, env: Mapping[str, str] | None = None) -> Secret:
    """The variable `name`, or `NAME_FILE` pointing at a file only its owner can read, or `default`."""
    env = os.environ if env is None else env
    if name in env:
        return Secret(env[name])
    file = env.get(f"{name}_FILE")
    if file:
        path = Path(file)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InsecureSecretFile(f"{path} must not be readable by group or others (chmod 600)")
        return Secret(path.read_text().strip())
    return Secret(default)


def redact(text: str, secrets: list[Secret]) -> str:
    """`text` with every secret's value replaced: the last line of defence for logs from libraries."""
    for s in secrets:
        value = s.reveal()
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text
