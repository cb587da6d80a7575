from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from violet import logs

SECRET = "k3y-0f-the-d3sk"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, own = logging.getLogger(), logging.getLogger("violet")
    handlers, level, own_level = root.handlers[:], root.level, own.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    own.setLevel(own_level)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_secrets_are_redacted_from_messages_and_data(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_FUTURES_API_KEY", SECRET)
    out = io.StringIO()
    logs.configure(fmt, stream=out)
    logging.getLogger("violet.test").warning("key is %s", SECRET, extra={"data": {"nested": [f"x{SECRET}y"]}})
    text = out.getvalue()
    assert SECRET not in text
    assert text.count("***redacted***") == 2
    if fmt == "json":
        record = json.loads(text)
        assert record["level"] == "WARNING"
        assert record["logger"] == "violet.test"
        assert record["message"] == "key is ***redacted***"
        assert record["data"] == {"nested": ["x***redacted***y"]}
    else:
        assert text == 'key is ***redacted*** {"nested":["x***redacted***y"]}\n'


@pytest.mark.usefixtures("restore_logging")
def test_libraries_routine_stays_quiet_and_violet_info_shows() -> None:
    out = io.StringIO()
    logs.configure("text", stream=out)
    logging.getLogger("picows").info("WS connection established")
    logging.getLogger("violet.feed").info("violet feed: health")
    logging.getLogger("picows").warning("a library's warning")
    assert out.getvalue() == "violet feed: health\na library's warning\n"
