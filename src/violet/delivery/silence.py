"""Silent streams: a subscribed stream of one asset and kind that delivers nothing while the same venue's other
streams flow (Binance acknowledges a stream on a route that does not serve it and then never sends it; a venue can
stop one channel). Per asset and kind; an episode is counted once, logged once with the stream's name, and makes
that kind's reading `SILENT_STREAM` until the stream speaks again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from violet import defaults as d
from violet.domain import TickKind

log = logging.getLogger("violet.silence")
KINDS = (TickKind.QUOTE, TickKind.TRADE)


def default_silent_after_ns() -> dict[str, int]:
    return {kind: d.ms_to_ns(ms) for kind, ms in d.SILENT_AFTER_MS.items()}


class SilenceWatch:
    def __init__(self, venue: str, silent_after_ns: Mapping[str, int], name_of: Callable[[str, TickKind], str]) -> None:
        """`silent_after_ns`: per kind ("quote", "trade"); `name_of(asset, kind)`: the venue's stream name."""
        self.venue = venue
        self.silent_after_ns = {TickKind(k): v for k, v in silent_after_ns.items() if TickKind(k) in KINDS}
        self.name_of = name_of
        self._last: dict[tuple[str, TickKind], int] = {}
        self._venue_last = 0
        self._since = 0
        self.silent: set[tuple[str, TickKind]] = set()

    def arrived(self, asset: str, kinds: Iterable[TickKind], now_ns: int) -> None:
        self._venue_last = now_ns
        for kind in kinds:
            key = (asset, kind)
            self._last[key] = now_ns
            self.silent.discard(key)

    def restart(self, now_ns: int) -> None:
        """The feed (re)connected: every stream gets its full time to speak again."""
        self._since = now_ns
        self.silent.clear()

    def restart_streams(self, streams: Iterable[tuple[str, TickKind]], now_ns: int) -> None:
        """These streams' carrier is back: each gets its full time to speak again."""
        for key in streams:
            self._last[key] = now_ns
            self.silent.discard(key)

    def forget(self, stream: tuple[str, TickKind]) -> None:
        """The stream's carrier went down: an outage, not a silence."""
        self.silent.discard(stream)

    def check(
        self,
        assets: Iterable[str],
        now_ns: int,
        is_up: Callable[[tuple[str, TickKind]], bool] | None = None,
        budget_of: Callable[[str], int] | None = None,
    ) -> list[tuple[str, TickKind]]:
        """Streams that became silent now (each episode reported once). `is_up`: whether a stream's carrier is up
        (a stream whose carrier is down is in an outage, never silent). `budget_of`: an asset's own configured budget
        (0 for none); a quiet name given a budget longer than the silence threshold is given that long (its budget
        decides its freshness, not a threshold meant for the busy names)."""
        found = []
        for kind, after in self.silent_after_ns.items():
            if now_ns - self._venue_last > after:
                continue  # the venue itself is quiet or down: that is an outage, not a silent stream
            for asset in assets:
                key = (asset, kind)
                if key in self.silent or (is_up is not None and not is_up(key)):
                    continue
                limit = after if budget_of is None else max(after, budget_of(asset))
                if now_ns - max(self._last.get(key, 0), self._since) > limit:
                    self.silent.add(key)
                    found.append(key)
                    log.warning(
                        "%s stream %s is silent: nothing for %.0f s while the venue's other streams flow",
                        self.venue,
                        self.name_of(asset, kind),
                        after / 1e9,
                    )
        return found
