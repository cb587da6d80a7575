"""HTTP routes declared on the handler that answers them, so a venue path reads beside its code; the simulator
registers every declared handler of its class (venue mixins included) when it builds its app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

_DECLARED = "__sim_routes__"


def get[H: Callable[..., Any]](*paths: str) -> Callable[[H], H]:
    return _declare("GET", paths)


def post[H: Callable[..., Any]](*paths: str) -> Callable[[H], H]:
    return _declare("POST", paths)


def _declare[H: Callable[..., Any]](method: str, paths: tuple[str, ...]) -> Callable[[H], H]:
    def mark(handler: H) -> H:
        setattr(handler, _DECLARED, (*getattr(handler, _DECLARED, ()), *((method, p) for p in paths)))
        return handler

    return mark


def add_declared_routes(app: web.Application, owner: object) -> None:
    """A name once: a subclass's override replaces the parent's handler, and its declaration the parent's routes."""
    seen: set[str] = set()
    for cls in type(owner).__mro__:
        for name, member in vars(cls).items():
            if name in seen:
                continue
            seen.add(name)
            for method, path in getattr(member, _DECLARED, ()):
                app.router.add_route(method, path, getattr(owner, name))
