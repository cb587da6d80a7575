"""The far side of the in-memory adapter: a publisher that behaves like a venue connection."""

from __future__ import annotations

from typing import Protocol

import attrs


@attrs.frozen(slots=True, kw_only=True)
class RawUpdate:
    """What a venue would push, still as strings: validation happens in the adapter, as for real venues."""

    asset: str
    ts_event: int
    bid: str | None = None
    ask: str | None = None
    last: str | None = None


class VenueListener(Protocol):
    def on_update(self, update: RawUpdate) -> None: ...

    def on_connection(self, up: bool) -> None: ...


class InMemoryVenue:
    """Publishes `RawUpdate`s to every attached feed, synchronously, while "connected".

    Updates published while disconnected are lost, as on a real socket, and counted in `lost`.
    """

    def __init__(self, assets: tuple[str, ...]) -> None:
        self.assets = assets
        self.connected = True
        self.lost = 0
        self._listeners: list[VenueListener] = []

    def attach(self, listener: VenueListener) -> None:
        self._listeners.append(listener)
        listener.on_connection(self.connected)

    def detach(self, listener: VenueListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, update: RawUpdate) -> None:
        if not self.connected:
            self.lost += 1
            return
        for listener in tuple(self._listeners):
            listener.on_update(update)

    def quote(self, asset: str, bid: str, ask: str, ts_event: int) -> None:
        self.publish(RawUpdate(asset=asset, bid=bid, ask=ask, ts_event=ts_event))

    def trade(self, asset: str, last: str, ts_event: int) -> None:
        self.publish(RawUpdate(asset=asset, last=last, ts_event=ts_event))

    def disconnect(self) -> None:
        self._set_connected(False)

    def reconnect(self) -> None:
        self._set_connected(True)

    def _set_connected(self, up: bool) -> None:
        if up is self.connected:
            return
        self.connected = up
        for listener in tuple(self._listeners):
            listener.on_connection(up)
