"""One BingX socket's share of the plane (a shard: its topics and assets) and its state across sessions, and the
plan that deals the plane's topics out to sockets."""

from __future__ import annotations

from collections import deque

import anyio
import attrs

from violet import defaults as d
from violet.adapters.bingx.contracts import SwapContract
from violet.adapters.bingx.quote_source import QuoteSource
from violet.adapters.bingx.send_window import SendWindow
from violet.adapters.bingx.settings import BingxSettings
from violet.adapters.bingx.transport import Connection
from violet.domain import Explained, VioletError


@attrs.define
class SubscriptionRefused(Explained, VioletError, RuntimeError):
    template = "BingX refused {topic}: {code} {msg}"
    topic: str
    code: int
    msg: str


@attrs.define
class Shard:
    index: int
    topics: list[str]
    assets: list[str]
    stall_after_s: float
    window: SendWindow
    """The requests sent on the current socket (the venue limits them per second)."""
    accepted: set[str] = attrs.field(factory=set)
    pending: dict[str, str] = attrs.field(factory=dict)
    """Request id -> topic of subscriptions (and resubscriptions) not yet answered on the current socket."""
    sock: Connection | None = None
    unsubscribing: set[str] = attrs.field(factory=set)
    """Ids of unsub requests sent on the current socket (their acks are expected, not counted)."""
    resubscribing: dict[str, int] = attrs.field(factory=dict)
    """Book topic -> when it was asked for again (monotonic ns), until its snapshot comes: the frames still in
    flight do not ask again, unless the snapshot is `ack_timeout_s` late."""
    live: bool = False
    sent_all: bool = False
    connects: int = 0
    last_data_ns: int = 0
    problems: deque[str] = attrs.field(factory=lambda: deque(maxlen=4))
    """Why the last sockets closed or failed, oldest first, for `FeedNotReady`'s message."""
    closing_why: str = ""
    refused: dict[str, SubscriptionRefused] = attrs.field(factory=dict)
    """Topics the venue refused on the current socket (bounded by the shard's topics)."""
    requests: deque[tuple[str, bool]] = attrs.field(factory=deque)
    """(topic, unsubscribe) asked from a frame callback, sent by the session's requester through the window."""
    wake: anyio.Event = attrs.field(factory=anyio.Event)
    up_since_ns: int = 0

    @property
    def carrier(self) -> str:
        return f"socket {self.index}"


@attrs.define
class TooManyTopics(Explained, VioletError, ValueError):
    template = (
        "BingX: {assets} assets need {topics} topics, more than {max_sockets} sockets of {max_topics} topics hold"
    )
    assets: int
    topics: int
    max_sockets: int
    max_topics: int


def topics_per_socket(settings: BingxSettings, assets: int) -> int:
    """The configured shard size, grown (in whole assets) until the plane fits in `max_sockets` sockets."""
    topics = 2 * assets
    wanted = max(2, min(settings.topics_per_socket, d.BINGX_MAX_TOPICS))
    if topics > d.BINGX_MAX_TOPICS * settings.max_sockets:
        raise TooManyTopics(assets, topics, settings.max_sockets, d.BINGX_MAX_TOPICS)
    needed = -(-topics // settings.max_sockets)
    return max(wanted, needed + needed % 2)


def plan_shards(
    settings: BingxSettings,
    contracts: dict[str, SwapContract],
    quotes: QuoteSource,
    *,
    existing: list[Shard] | None = None,
) -> list[Shard]:
    """Assets in name order, a socket's worth at a time: each asset's quote topic and its trade topic. Per-IP
    pacing (`subscribe_scope = "ip"`) gives every shard the same window. `existing`: the plane's sockets already
    running (new listings get sockets of their own, numbered after them, inside `max_sockets` with them)."""
    existing = existing or []
    assets = sorted(contracts)
    served = sum(len(s.assets) for s in existing)
    per_shard_assets = max(1, topics_per_socket(settings, served + len(assets)) // 2)
    if existing and len(existing) + -(-len(assets) // per_shard_assets) > settings.max_sockets:
        raise TooManyTopics(
            served + len(assets), 2 * (served + len(assets)), settings.max_sockets, 2 * per_shard_assets
        )
    shared = existing[0].window if existing and settings.subscribe_scope == "ip" else None
    if shared is None and settings.subscribe_scope == "ip":
        shared = SendWindow(settings.subscribe_per_s)
    shards: list[Shard] = []
    for i in range(0, len(assets), per_shard_assets):
        chunk = assets[i : i + per_shard_assets]
        topics = [quotes.topic(contracts[a].symbol) for a in chunk]
        topics += [f"{contracts[a].symbol}@trade" for a in chunk]
        stall = min(settings.stall_after_s.get(t.partition("@")[2], 60.0) for t in topics)
        shards.append(
            Shard(
                index=len(existing) + len(shards),
                topics=topics,
                assets=chunk,
                stall_after_s=stall,
                window=shared or SendWindow(settings.subscribe_per_s),
            )
        )
    return shards
