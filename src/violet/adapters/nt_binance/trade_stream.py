"""Binance's `@trade` stream read by violet itself, beside NautilusTrader (`[binance] trades = "trade"`).

NautilusTrader 1.231 subscribes futures trades from `@aggTrade` only (its futures client does not handle `@trade`,
and its own comment believes the stream silenced in 2026, while Binance serves it on `/public`: PROTOCOL.md
section 9), and its trade ticks do not carry Binance's `X`. With this option violet asks NT's public client to
subscribe `<symbol>@trade`, takes those frames from that client's handler before NT sees them (NT would fail on
them), and delivers each trade with its `X`, so a print that is not the market (ADL, insurance fund) is refused
rather than served as `last`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

_TRADE_MARK = b'@trade","data":'


class _Trade(msgspec.Struct):
    s: str
    p: str
    T: int
    X: str = "MARKET"


class _TradeFrame(msgspec.Struct):
    stream: str
    data: _Trade


_decode = msgspec.json.Decoder(_TradeFrame).decode

TradeSink = Callable[[str, str, int, str], None]
"""(venue symbol, price, trade time ms, X) for each `@trade` frame."""
BadFrame = Callable[[str], None]


def install(ws_client: Any, on_trade: TradeSink, on_bad: BadFrame) -> None:
    """Wrap `ws_client`'s frame handler: `@trade` frames go to `on_trade` (or `on_bad` with a reason), the rest on."""
    original: Callable[[bytes], None] = ws_client._handler

    def handler(raw: bytes) -> None:
        if _TRADE_MARK not in raw:
            original(raw)
            return
        try:
            frame = _decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            on_bad("bad-trade-frame")
            return
        t = frame.data
        on_trade(t.s, t.p, t.T, t.X)

    ws_client._handler = handler
