"""violet: normalized, low-latency crypto prices for a trading reactor.

The entry point for reactor code is `violet.open_planes` (see `violet.api`); the values it hands out are in
`violet.domain`, the interfaces in `violet.ports`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
"""The one version source (the package metadata reads it); what changed between versions: CHANGELOG.md."""
__all__ = ["Planes", "open_planes"]

if TYPE_CHECKING:
    from violet.api import Planes, open_planes


def __getattr__(name: str) -> Any:
    # Imported on first use: `import violet.domain` (every adapter, the reactor) stays free of the composition root.
    if name in __all__:
        from violet import api

        return getattr(api, name)
    raise AttributeError(f"module 'violet' has no attribute {name!r}")
