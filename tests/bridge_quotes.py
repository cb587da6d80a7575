"""One quote written into a bridge the way `violet feed` writes it, for tests that play the feed's part."""

from __future__ import annotations

import time

from violet.bridges.writer import BridgeWriter


def write_quote(writer: BridgeWriter, asset: str, n: int) -> None:
    """Quote number `n` of `asset`: bid `100+n`.1, ask `100+n`.2, stamped now."""
    writer.write(
        asset=asset,
        kind="quote",
        venue="binance",
        bid=f"{100 + n}.1",
        ask=f"{100 + n}.2",
        last=None,
        ts_event=time.time_ns() // 1_000_000 * 1_000_000,
        source_mono_ns=time.monotonic_ns(),
    )
