"""What `violet feed` needs of a bridge's publishing side (shared memory or Hazelcast)."""

from __future__ import annotations

from typing import Protocol


class BridgeWriter(Protocol):
    name: str
    published: int

    def write(
        self,
        *,
        asset: str,
        kind: str,
        venue: str,
        bid: str | None,
        ask: str | None,
        last: str | None,
        ts_event: int,
        source_mono_ns: int,
        conflated_before: int = 0,
    ) -> bool: ...

    def heartbeat(self) -> None: ...

    def wake(self) -> None: ...

    def close(self) -> None: ...
