"""Sans-IO BingX swap codec: one WebSocket frame in, events out. No IO, no clock, no exception escapes.

Every server frame should be a binary frame holding one gzip member; the payload is `Ping` (answer
`Pong`), an ack `{"id","code","msg",...}`, or a push `{"code":0,"dataType":"SYM@channel","data":...}`.
Anything else becomes an `Invalid` event with a reason, so the IO layer can count it.
"""

from __future__ import annotations

import zlib

import attrs
import msgspec

MAX_FRAME_BYTES = 1 << 20


@attrs.frozen(slots=True)
class HeartbeatRequested:
    reply: str


@attrs.frozen(slots=True)
class Ack:
    id: str
    code: int
    msg: str


@attrs.frozen(slots=True)
class BookTickerPush:
    data_type: str
    symbol: str
    bid: str
    ask: str
    event_ms: int
    match_ms: int


@attrs.frozen(slots=True)
class TradePush:
    data_type: str
    symbol: str
    price: str
    trade_ms: int
    """The newest trade of the frame (frames carry several, newest first)."""


@attrs.frozen(slots=True)
class BookPush:
    """`@incrDepth` (action "all": a snapshot; "update": changed levels) or `@depthN` (action "depth": the top
    levels whole, bids best-first, asks worst-first), levels as the venue's [price, size] strings."""

    data_type: str
    symbol: str
    action: str
    last_id: int
    time_ms: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


@attrs.frozen(slots=True)
class OtherPush:
    """A data frame of a channel violet does not turn into ticks; it still proves the socket alive."""

    data_type: str


@attrs.frozen(slots=True)
class Invalid:
    reason: str


BingxEvent = HeartbeatRequested | Ack | BookTickerPush | TradePush | BookPush | OtherPush | Invalid


# Wire structs hold only strings, ints and raw bytes: kept out of the cyclic GC (`gc=False`), so decoding a frame
# does not bring the next young-generation collection closer.
class _Envelope(msgspec.Struct, gc=False):
    code: int | None = None
    dataType: str | None = None
    id: str | None = None
    msg: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"null")
    ping: str | None = None
    time: str | None = None
    ts: int | None = None


class _BookTicker(msgspec.Struct, gc=False):
    s: str
    b: str
    a: str
    E: int
    T: int


class _Trade(msgspec.Struct, gc=False):
    s: str
    p: str
    T: int


class _IncrDepth(msgspec.Struct, gc=False):
    action: str
    lastUpdateId: int
    time: int
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


class _Depth(msgspec.Struct, gc=False):
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]


class _BookFrame(msgspec.Struct, gc=False):
    code: int
    dataType: str
    data: _BookTicker
    ping: str | None = None


class _TradeFrame(msgspec.Struct, gc=False):
    code: int
    dataType: str
    data: list[_Trade]
    ping: str | None = None


_ENV = msgspec.json.Decoder(_Envelope)
_BOOK_FRAME = msgspec.json.Decoder(_BookFrame)
_TRADE_FRAME = msgspec.json.Decoder(_TradeFrame)
_BOOK = msgspec.json.Decoder(_BookTicker)
_TRADES = msgspec.json.Decoder(list[_Trade])
_INCR = msgspec.json.Decoder(_IncrDepth)
_DEPTH = msgspec.json.Decoder(_Depth)
_PONG = HeartbeatRequested("Pong")


def gunzip(frame: bytes, limit: int = MAX_FRAME_BYTES) -> bytes | Invalid:
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(frame, limit + 1)
    except zlib.error:
        return Invalid("corrupt-gzip")
    if len(out) > limit:
        return Invalid("oversized")
    if not inflater.eof:
        return Invalid("truncated-gzip")
    if inflater.unused_data:
        return Invalid("trailing-bytes")
    return out


def _fast(payload: bytes) -> BookTickerPush | TradePush | None:
    """The two pushes that are nearly every frame, decoded in one pass; None sends the frame down the general
    path, which alone decides everything else (its answer for these two is the same, property-tested)."""
    try:
        if b'@bookTicker"' in payload:
            f = _BOOK_FRAME.decode(payload)
            if f.code == 0 and f.ping is None and f.dataType.partition("@")[2] == "bookTicker":
                b = f.data
                return BookTickerPush(f.dataType, b.s, b.b, b.a, b.E, b.T)
        elif b'@trade"' in payload:
            t = _TRADE_FRAME.decode(payload)
            if t.code == 0 and t.ping is None and t.data and t.dataType.partition("@")[2] == "trade":
                newest = max(t.data, key=lambda x: x.T)
                return TradePush(t.dataType, newest.s, newest.p, newest.T)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        pass
    return None


class BingxDecoder:
    def __init__(self, *, max_frame_bytes: int = MAX_FRAME_BYTES, fast_path: bool = True) -> None:
        """`fast_path=False`: every frame through the general path (the equivalence test's reference)."""
        self._limit = max_frame_bytes
        self._fast = fast_path

    def feed(self, frame: bytes | str) -> BingxEvent:
        if not isinstance(frame, bytes):
            # The venue never sends text frames; one is a protocol violation, whatever it holds.
            return Invalid("text-frame")
        payload = gunzip(frame, self._limit)
        if isinstance(payload, Invalid):
            return payload
        return self.decode(payload)

    def decode(self, payload: bytes) -> BingxEvent:
        """A frame's gunzipped text (as `violet record` keeps it)."""
        if payload == b"Ping":
            return _PONG
        if self._fast and (push := _fast(payload)) is not None:
            return push
        try:
            env = _ENV.decode(payload)
        except msgspec.ValidationError:
            return Invalid("bad-envelope")
        except (msgspec.DecodeError, UnicodeDecodeError):
            return Invalid("not-json")
        if env.ping is not None:
            return HeartbeatRequested(msgspec.json.encode({"pong": env.ping, "time": env.time}).decode())
        if not env.dataType:
            if env.id is not None and env.code is not None:
                return Ack(env.id, env.code, env.msg or "")
            return Invalid("unknown-message")
        if env.code != 0:
            return Invalid(f"push-code-{env.code}")
        if env.data == b"null":
            return Invalid("push-without-data")
        channel = env.dataType.partition("@")[2]
        try:
            if channel == "bookTicker":
                b = _BOOK.decode(env.data)
                return BookTickerPush(env.dataType, b.s, b.b, b.a, b.E, b.T)
            if channel == "trade":
                trades = _TRADES.decode(env.data)
                if not trades:
                    return Invalid("empty-trades")
                newest = max(trades, key=lambda t: t.T)
                return TradePush(env.dataType, newest.s, newest.p, newest.T)
            symbol = env.dataType.partition("@")[0]
            if channel == "incrDepth":
                d = _INCR.decode(env.data)
                if d.action not in ("all", "update"):
                    return Invalid("bad-incrDepth")
                return BookPush(env.dataType, symbol, d.action, d.lastUpdateId, d.time, d.bids, d.asks)
            if channel.startswith("depth"):
                depth = _DEPTH.decode(env.data)
                return BookPush(env.dataType, symbol, "depth", 0, env.ts or 0, depth.bids, depth.asks)
        except msgspec.ValidationError:
            return Invalid(f"bad-{channel}")
        except msgspec.DecodeError:
            return Invalid("not-json")
        return OtherPush(env.dataType)


def subscribe_request(req_id: str, data_type: str, *, unsubscribe: bool = False) -> str:
    return msgspec.json.encode(
        {"id": req_id, "reqType": "unsub" if unsubscribe else "sub", "dataType": data_type}
    ).decode()
