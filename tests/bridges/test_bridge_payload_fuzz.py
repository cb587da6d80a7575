"""The bridges' decoders under Hypothesis: Hazelcast payloads and shared-memory slots, valid, mutated and garbage.

Nothing but the typed error may escape a decoder, and the adapters count every value they refuse: after each
input, `received + rejected` grew by exactly one. The `fuzz` profile runs >= 10,000 cases per property.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from decimal import Decimal
from multiprocessing import resource_tracker, shared_memory

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from violet.adapters.remote_hz import RemoteHzPriceFeed, RemoteHzSettings
from violet.adapters.remote_shm import RemoteShmPriceFeed, RemoteShmSettings
from violet.bridges.hz_payload import HzPayloadError, HzValue, decode, encode
from violet.bridges.record import KINDS, BridgeRecord
from violet.bridges.shm_layout import SLOT, SLOT_SIZE, segment_name, slot_offset
from violet.bridges.shm_table import CorruptSlot, ShmTableReader, ShmTableWriter
from violet.domain import NormalizedTick, parse_price

FUZZ = settings(
    max_examples={"fuzz": 10_000, "fast": 100}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 500),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ASSET = "BTCUSDT-PERP"
# Integers scaled by 1e-8 cover the same prices as `st.decimals(places=8)` at a fraction of its generation cost (the
# fuzz profile's 10,000 cases a property were mostly spent drawing decimals).
prices = st.integers(1, 100_000_000_000_000).map(lambda n: format(Decimal(n).scaleb(-8), "f"))
# An empty field encodes as absent (a price is never empty).
texts = st.one_of(st.none(), prices, st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=20))


@st.composite
def hz_values_valid(draw: st.DrawFn) -> HzValue:
    asset = draw(st.sampled_from([ASSET, ASSET, "ETHUSDT-PERP"]))
    venue = draw(st.sampled_from(["binance", "bingx", ""]))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
    records = tuple(
        BridgeRecord(
            asset=asset,
            kind=kind,
            venue=venue,
            bid=draw(texts),
            ask=draw(texts),
            last=draw(texts),
            ts_event=draw(st.integers(-(2**63), 2**63 - 1)),
            received_ns=draw(st.integers(-(2**63), 2**63 - 1)),
            published_ns=draw(st.integers(-(2**63), 2**63 - 1)),
            updates=draw(st.integers(0, 2**64 - 1)),
        )
        for kind in kinds
    )
    return HzValue(draw(st.integers(0, 2**64 - 1)), asset, records)


def _encoded(value: HzValue) -> bytearray:
    return encode(value.generation, value.records)


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[bytearray]) -> bytearray:
    raw = bytearray(draw(valid))
    how = draw(st.sampled_from(["flip", "truncate", "extend", "splice"]))
    if how == "flip" and raw:
        i = draw(st.integers(0, len(raw) - 1))
        raw[i] = draw(st.integers(0, 255))
    elif how == "truncate":
        del raw[draw(st.integers(0, len(raw))) :]
    elif how == "extend":
        raw += draw(st.binary(min_size=1, max_size=16))
    else:
        i = draw(st.integers(0, len(raw)))
        raw[i:i] = draw(st.binary(max_size=8))
    return raw


hz_values = st.one_of(
    hz_values_valid().map(_encoded),
    mutated(hz_values_valid().map(_encoded)),
    st.binary(max_size=200).map(bytearray),
    st.binary(max_size=200),
    st.text(max_size=50),
    st.integers(),
    st.none(),
)


@FUZZ
@given(hz_values_valid())
def test_hz_payload_round_trips(value: HzValue) -> None:
    assert decode(_encoded(value)) == value


# One valid payload per case, changed in each way the decoder must refuse (one property, not four: the fuzz
# profile's time goes into drawing valid values, so each is used for every check).
@FUZZ
@given(
    hz_values_valid(),
    st.binary(min_size=1, max_size=16),
    st.binary(min_size=2, max_size=2),
    st.integers(0, 255),
    st.integers(len(KINDS), 255),
    st.data(),
)
def test_a_valid_hz_payload_changed_in_any_refused_way_is_refused_with_its_reason(
    value: HzValue, extra: bytes, magic: bytes, version: int, unknown_kind: int, data: st.DataObject
) -> None:
    raw = _encoded(value)
    with pytest.raises(HzPayloadError, match="trailing bytes"):
        decode(raw + extra)
    if magic != raw[:2]:
        with pytest.raises(HzPayloadError, match="not a violet payload"):
            decode(magic + raw[2:])
    if version != raw[2]:
        with pytest.raises(HzPayloadError, match="payload version"):
            decode(raw[:2] + bytes([version]) + raw[3:])
    kept = value.records[: len(KINDS) - 1]
    with pytest.raises(HzPayloadError, match="unknown or repeated"):
        decode(encode(value.generation, (*kept, data.draw(st.sampled_from(kept)))))
    head = 12  # "VH", version u8, record count u8, generation u64: then the asset's length and text
    assert raw[head] == len(value.asset)
    first_record = head + 1 + len(value.asset) + 1 + len(value.records[0].venue)
    assert raw[first_record] == KINDS.index(value.records[0].kind)
    renamed = bytearray(raw)
    renamed[first_record] = unknown_kind
    with pytest.raises(HzPayloadError, match="unknown or repeated"):
        decode(renamed)


@FUZZ
@given(hz_values)
def test_hz_decoder_raises_only_its_typed_error(value: object) -> None:
    try:
        decoded = decode(value)  # type: ignore[arg-type]
    except HzPayloadError:
        return
    assert isinstance(decoded, HzValue) and 1 <= len(decoded.records) <= len(KINDS)


hz_reader = RemoteHzPriceFeed(
    RemoteHzSettings(map_name="fuzz", venue="binance", assets=(ASSET,), cluster_name="none", members=())
)


@FUZZ
@given(hz_values)
def test_the_hz_adapter_counts_every_value_it_refuses(value: object) -> None:
    before = hz_reader.counters()
    # As the listener hands it over: a key of a subscribed asset and whatever value the map held.
    hz_reader._on_value(value, ASSET)
    after = hz_reader.counters()
    handled = (after.received - before.received) + (after.rejected - before.rejected)
    records = _records(value)
    if records is None:
        assert (after.received, after.rejected - before.rejected) == (before.received, 1), "refused and counted once"
    else:
        # Each record whose update counter advanced is received or rejected; a record that did not advance is a
        # repeat (or another kind's unchanged newest), neither. A value naming another key is one rejection.
        assert handled <= max(1, records)


def _records(value: object) -> int | None:
    try:
        return len(decode(value).records)  # type: ignore[arg-type]
    except HzPayloadError:
        return None


# -- shared memory ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table() -> Iterator[tuple[ShmTableWriter, memoryview]]:
    bridge = f"fz{secrets.token_hex(3)}"
    writer = ShmTableWriter(bridge, [ASSET])
    raw = shared_memory.SharedMemory(segment_name(bridge))
    resource_tracker.unregister(raw._name, "shared_memory")  # type: ignore[attr-defined]
    assert raw.buf is not None
    try:
        yield writer, raw.buf
    finally:
        raw.buf.release()
        raw.close()
        # Readers in this process unregistered the name the writer registered; give it back for the unlink.
        resource_tracker.register(raw._name, "shared_memory")  # type: ignore[attr-defined]
        writer.close()


TEXT_AREA = SLOT.size - (16 + 24 * 3)  # the slot's text fields start after its numbers


@FUZZ
@given(
    bid=prices,
    ask=prices,
    area_offset=st.integers(0, SLOT.size - TEXT_AREA - 1),
    garbage=st.binary(min_size=1, max_size=40),
)
def test_a_corrupt_shared_memory_slot_is_counted_never_delivered(
    table: tuple[ShmTableWriter, memoryview], bid: str, ask: str, area_offset: int, garbage: bytes
) -> None:
    writer, buf = table
    reader = ShmTableReader(writer.bridge)
    reader.initial.clear()  # earlier examples' values (the table outlives an example): a baseline, not the slot tested
    feed = RemoteShmPriceFeed(RemoteShmSettings(bridge=writer.bridge, venue="binance", assets=(ASSET,)))
    try:
        lo, hi = sorted((bid, ask), key=float)
        writer.write(
            NormalizedTick(
                venue="binance", asset=ASSET, bid=parse_price(lo), ask=parse_price(hi), ts_event=1, mono_ns=1
            )
        )
        # Damage the committed text fields behind the writer's back (the seqlock still reads as consistent).
        index = sorted((a, k) for a in [ASSET] for k in ("quote", "trade", "quote+trade")).index((ASSET, "quote"))
        start = slot_offset(reader.slots, index) + TEXT_AREA + area_offset
        end = min(start + len(garbage), slot_offset(reader.slots, index) + SLOT_SIZE)
        buf[start:end] = garbage[: end - start]
        try:
            value = reader.read_slot(index)
        except CorruptSlot:
            value = None
        feed._pump(0, reader)
        counters = feed.counters()
        assert counters.received + counters.rejected == 1, "every damaged slot is either a valid tick or counted"
        event("slot did not decode" if value is None else "slot decoded")
        if value is None:
            assert counters.rejected == 1
    finally:
        reader.close()
