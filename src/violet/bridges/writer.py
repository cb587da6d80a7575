"""What `violet feed` needs of a bridge's publishing side (shared memory or Hazelcast)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from violet.domain import NormalizedTick


class BridgeWriter(Protocol):
    name: str
    published: int
    rejected: int
    """Ticks the bridge could not carry (an asset it has no slot for, a field too long, a client error)."""
    failed: int
    """Writes the bridge took but could not deliver (Hazelcast: the cluster refused them); they are sent again."""

    def write(self, tick: NormalizedTick) -> bool:
        """Publish one tick, counting it as the asset-and-kind's next update; never raises."""
        ...

    def heartbeat(self) -> None: ...

    def progressed(self) -> None:
        """The source is live and just published: a bridge may take that as a heartbeat."""
        ...

    def wake(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class GrowingWriter(Protocol):
    """A bridge that can take assets listed while its feed runs (new listings)."""

    @property
    def assets(self) -> frozenset[str]: ...

    def add_assets(self, assets: Iterable[str]) -> list[str]:
        """Make room for `assets` before their first tick; returns those added (the others it had or cannot take)."""
        ...
