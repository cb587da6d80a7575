"""The Hazelcast publisher's flow control, with the map's writes completed when the test says (the client's own
`Future`): one write per asset in flight, newer values conflated behind it, failures counted and sent again. The
publisher against a real member is exercised by tests/hz and the remote_hz contract run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio.lowlevel
import pytest
from hazelcast.future import Future

from violet.bridges.hz_payload import decode
from violet.bridges.hz_publisher import HzPublisher
from violet.domain import NormalizedTick

pytestmark = pytest.mark.anyio
BTC, ETH = "BTCUSDT-PERP", "ETHUSDT-PERP"


class _Map:
    """What the publisher asks of an IMap: `set`, answered later."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, Future[None]]] = []

    def set(self, key: str, value: Any) -> Future[None]:
        future: Future[None] = Future()  # type: ignore[no-untyped-call]
        self.sets.append((key, future))
        self.values = getattr(self, "values", {})
        self.values.setdefault(key, []).append(value)
        return future


class _Client:
    def __init__(self) -> None:
        self.map = _Map()

    def get_map(self, name: str) -> _Map:
        return self.map


def _quote(asset: str, bid: int) -> NormalizedTick:
    return NormalizedTick(
        venue="binance", asset=asset, bid=Decimal(bid), ask=Decimal(bid + 1), ts_event=10**18 + bid, mono_ns=1
    )


async def _settle() -> None:
    """Completions reach the publisher through `call_soon_threadsafe`: a few loop passes deliver them."""
    for _ in range(3):
        await anyio.lowlevel.checkpoint()


async def test_one_write_per_asset_in_flight_and_the_newest_value_follows_it() -> None:
    client = _Client()
    pub = HzPublisher(client, "m", [BTC, ETH])
    for bid in range(100, 110):
        pub.write(_quote(BTC, bid))
    pub.write(_quote(ETH, 5))
    assert [k for k, _ in client.map.sets] == [BTC, ETH], "one write per asset out, however many ticks came"
    assert pub.in_flight == 2 and pub.published == 11 and pub.conflated == 8
    client.map.sets[0][1].set_result(None)  # BTC's first write lands
    await _settle()
    assert [k for k, _ in client.map.sets] == [BTC, ETH, BTC], "the newest value is sent next"
    newest = decode(client.map.values[BTC][-1]).records[0]
    assert (newest.bid, newest.updates) == ("109", 10)
    client.map.sets[2][1].set_result(None)
    await _settle()
    assert len(client.map.sets) == 3, "nothing newer to send"


async def test_a_failed_write_is_counted_and_sent_again_with_the_next_heartbeat() -> None:
    client = _Client()
    pub = HzPublisher(client, "m", [BTC])
    pub.write(_quote(BTC, 100))
    client.map.sets[0][1].set_exception(RuntimeError("member left"))
    await _settle()
    assert pub.failed == 1 and pub.in_flight == 0
    assert len(client.map.sets) == 1, "not retried in a loop against a failing cluster"
    pub.heartbeat()
    await _settle()
    keys = [k for k, _ in client.map.sets]
    assert keys[-1] == BTC and keys.count(BTC) == 2, "the value the cluster refused is sent again"
