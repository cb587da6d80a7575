"""Which price representation? Parse + validate + compare + format, per candidate, medians of repeats.

Candidates: `Decimal` through violet's strict `parse_price`; bare `Decimal(text)`; a fixed-point
(mantissa, exponent) pair of ints; and `float` (the baseline that fails the round-trip requirement).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from violet.domain import format_price, parse_price


def _fixed_parse(text: str) -> tuple[int, int]:
    whole, _, frac = text.partition(".")
    return int(whole + frac), len(frac)


def _fixed_le(a: tuple[int, int], b: tuple[int, int]) -> bool:
    (ma, ea), (mb, eb) = a, b
    if ea == eb:
        return ma <= mb
    scale = max(ea, eb)
    return bool(ma * 10 ** (scale - ea) <= mb * 10 ** (scale - eb))


def _fixed_format(v: tuple[int, int]) -> str:
    m, e = v
    if e == 0:
        return str(m)
    s = str(m).rjust(e + 1, "0")
    return f"{s[:-e]}.{s[-e:]}"


def _workload(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        decimals = rng.choice((1, 2, 4, 5, 7))
        bid = rng.randint(1, 10**9)
        ask = bid + rng.randint(0, 50)
        out.append((format(Decimal(bid).scaleb(-decimals), "f"), format(Decimal(ask).scaleb(-decimals), "f")))
    return out


def _candidates() -> dict[str, Callable[[list[tuple[str, str]]], bool]]:
    def strict_decimal(pairs: list[tuple[str, str]]) -> bool:
        ok = True
        for b, a in pairs:
            bid, ask = parse_price(b), parse_price(a)
            ok &= bool(bid <= ask and format_price(bid) == b)
        return ok

    def bare_decimal(pairs: list[tuple[str, str]]) -> bool:
        ok = True
        for b, a in pairs:
            bid, ask = Decimal(b), Decimal(a)
            ok &= bool(bid <= ask and format(bid, "f") == b)
        return ok

    def fixed_point(pairs: list[tuple[str, str]]) -> bool:
        ok = True
        for b, a in pairs:
            bid, ask = _fixed_parse(b), _fixed_parse(a)
            ok &= _fixed_le(bid, ask) and _fixed_format(bid) == b
        return ok

    def binary_float(pairs: list[tuple[str, str]]) -> bool:
        ok = True
        for b, a in pairs:
            bid, ask = float(b), float(a)
            ok &= bid <= ask and repr(bid) == b
        return ok

    return {
        "decimal (strict parse_price)": strict_decimal,
        "decimal (bare)": bare_decimal,
        "fixed-point int pair": fixed_point,
        "float (baseline)": binary_float,
    }


def main(*, repeats: int, n: int) -> None:
    pairs = _workload(n, seed=1)
    results: dict[str, list[float]] = {}
    exact: dict[str, bool] = {}
    for _ in range(repeats):
        for name, fn in _candidates().items():
            t0 = time.perf_counter_ns()
            exact[name] = fn(pairs)
            results.setdefault(name, []).append((time.perf_counter_ns() - t0) / n)
    base = statistics.median(results["float (baseline)"])
    print(f"price representations: {n:,} bid/ask pairs, {repeats} repeats, median ns per pair")
    print(f"{'candidate':32} {'median ns':>10} {'min ns':>8} {'x float':>8}  round-trips exactly")
    for name, samples in results.items():
        med = statistics.median(samples)
        print(f"{name:32} {med:10.0f} {min(samples):8.0f} {med / base:8.2f}  {exact[name]}")
