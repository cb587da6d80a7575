"""Everything violet raises on purpose is a `VioletError`, so a reactor can catch violet's refusals by family (each
keeps its builtin base too: `except ValueError` still catches a bad price)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import violet
from violet.domain import Explained, VioletError


def violet_exceptions() -> list[type[BaseException]]:
    found = []
    for module in pkgutil.walk_packages(violet.__path__, "violet."):
        if module.name.endswith("__main__"):
            continue  # runs the CLI when imported
        mod = importlib.import_module(module.name)
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            # Private ones (`_ConnectFailed`) are control flow inside a module and never reach a caller.
            if issubclass(obj, BaseException) and obj.__module__ == mod.__name__ and not obj.__name__.startswith("_"):
                found.append(obj)
    return found


def test_every_exception_class_violet_defines_is_a_violet_error() -> None:
    classes = violet_exceptions()
    assert len(classes) > 20, "the walk found violet's exceptions"
    outside = sorted(
        c.__qualname__ for c in classes if c not in (VioletError, Explained) and not issubclass(c, VioletError)
    )
    assert outside == [], f"not in the family: {outside}"


def test_the_family_keeps_the_builtin_kind() -> None:
    from violet.config import ConfigError
    from violet.domain import FeedNotReady, InvalidValue, UnknownAsset

    assert issubclass(InvalidValue, ValueError) and issubclass(ConfigError, ValueError)
    assert issubclass(UnknownAsset, LookupError) and issubclass(FeedNotReady, RuntimeError)
