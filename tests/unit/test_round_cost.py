"""projections.base.round_cost is round(x, 10), value and type, for every input (its fast path and its fallback)."""

from __future__ import annotations

import random

from projections.base import round_cost


def _cases() -> list[float]:
    rng = random.Random(11)
    cases: list[float] = [0.0, -0.0, 1e-11, 5e-11, 4.9999999999e-11, 1 / 2048, 3 / 2048, 99_999.99999999995, 1e5, 2e9]
    cases += [float("inf"), -1.5e-7, 0.1 + 0.2, 12.3456789012 + 0.000392]
    for _ in range(100_000):
        pick = rng.random()
        if pick < 0.3:  # any magnitude a cost takes, and beyond the fast path's range
            cases.append(rng.random() * 10 ** rng.randint(-13, 7))
        elif pick < 0.6:  # a running sum: a rounded total plus a price
            cases.append(round(rng.random() * 100, 10) + rng.choice((0.000392, 1e-6, 0.00012345, 3.3e-5)))
        elif pick < 0.8:  # next to a half at the tenth decimal
            cases.append((rng.randint(0, 10**14) + 0.5) / 1e10)
        else:  # binary fractions, among them exact halves at the tenth decimal (5**10 divides the numerator)
            cases.append(rng.randint(1, 2**40) / 2 ** rng.randint(10, 40))
    return cases


def test_round_cost_is_round_to_ten_places() -> None:
    for x in _cases():
        expected = round(x, 10)
        got = round_cost(x)
        assert type(got) is type(expected) and repr(got) == repr(expected), x
    assert round_cost(1 / 2048) == round(1 / 2048, 10) == 0.0004882812  # an exact tie goes to the even digit
    assert type(round_cost(3)) is int  # an int stays one, as round leaves it
    assert repr(round_cost(float("nan"))) == "nan"
