"""A secret never shows its value (repr, str, format, logs, pickles); it comes from the environment or a file only
its owner can read."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import attrs
import pytest

from violet.secrets import REDACTED, InsecureSecretFile, Secret, redact, secret_from_env

VALUE = "sk-live-0123456789"


def test_every_way_of_showing_a_secret_shows_the_redaction(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)

    @attrs.frozen
    class Holder:
        key: Secret

    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        format(secret, ">40"),
        repr(Holder(secret)),
        str({"key": secret}),
    ]
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("key %s in %r", secret, [secret])
    shown.append(caplog.text)
    assert all(VALUE not in text for text in shown), shown
    assert all(REDACTED in text for text in shown)
    assert secret.reveal() == VALUE


def test_a_secret_is_not_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(VALUE))


def test_the_variable_wins_then_its_file_then_the_default(tmp_path: Path) -> None:
    file = tmp_path / "key"
    file.write_text(VALUE + "\n")
    file.chmod(0o600)
    assert secret_from_env("KEY", "placeholder", {"KEY": "direct", "KEY_FILE": str(file)}).reveal() == "direct"
    assert secret_from_env("KEY", "placeholder", {"KEY_FILE": str(file)}).reveal() == VALUE
    assert secret_from_env("KEY", "placeholder", {}).reveal() == "placeholder"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    file = tmp_path / "key"
    file.write_text(VALUE)
    file.chmod(mode)
    with pytest.raises(InsecureSecretFile):
        secret_from_env("KEY", "placeholder", {"KEY_FILE": str(file)})


def test_redact_replaces_every_occurrence_of_every_secret_long_enough_to_mean_something() -> None:
    text = f"a={VALUE} b=hunter2 c={VALUE} d=ab"
    out = redact(text, [Secret(VALUE), Secret("hunter2"), Secret("ab")])
    assert out == f"a={REDACTED} b={REDACTED} c={REDACTED} d=ab"  # a 2-letter secret would redact every "ab"
