"""One quote written into a bridge the way `violet feed` writes it, for tests that play the feed's part."""

from __future__ import annotations

from violet.bridges.record import quote_now
from violet.bridges.writer import BridgeWriter


def write_quote(writer: BridgeWriter, asset: str, n: int) -> None:
    """Quote number `n` of `asset`: bid `100+n`.1, ask `100+n`.2, stamped now."""
    writer.write(quote_now(asset, f"{100 + n}.1", f"{100 + n}.2"))
