"""Known answers for pass@k, outcomes and bands, each expected value worked out by hand or by the formula.

pass@k is checked against ``1 - C(n-c, k) / C(n, k)`` computed with ``math.comb`` here, never against the code
under test; bands are whole ``Band`` values, so every field (not only the name) is pinned.
"""

from __future__ import annotations

import math

import pytest

from domain.facts import ModelOutcome
from domain.passk import Band, band, outcome, pass_at_k


def formula(n: int, c: int, k: int) -> float:
    return 1 - math.comb(n - c, k) / math.comb(n, k)


def panel(*solved: tuple[int, int]) -> list[ModelOutcome]:
    """Outcomes for a panel ordered strongest first; each entry is (correct, samples)."""
    return [outcome(f"m{i}", [j < c for j in range(n)], [1]) for i, (c, n) in enumerate(solved)]


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (3, 1, 1, 1 / 3),
        (3, 1, 2, 2 / 3),  # 1 - C(2,2)/C(3,2) = 1 - 1/3
        (10, 3, 5, 11 / 12),  # 1 - C(7,5)/C(10,5) = 1 - 21/252
        (10, 0, 10, 0.0),
        (10, 9, 2, 1.0),  # one wrong sample cannot fill two draws
        (5, 2, 3, 0.9),  # 1 - C(3,3)/C(5,3) = 1 - 1/10
    ],
)
def test_pass_at_k_by_the_formula(n: int, c: int, k: int, expected: float) -> None:
    assert formula(n, c, k) == pytest.approx(expected, abs=1e-12)
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_outcome_rounds_pass_at_k_to_six_places() -> None:
    o = outcome("m", [False, True, False], [1, 2, 3, 4])
    assert o.pass_at_k == {"1": 0.333333, "2": 0.666667, "3": 1.0}
    assert o.pass_at_k == {str(k): round(formula(3, 1, k), 6) for k in (1, 2, 3)}
    assert (o.n, o.c, o.passed_samples, o.answers) == (3, 1, [1], [])


@pytest.mark.parametrize(
    ("solved", "expected"),
    [
        ([(0, 5), (0, 5)], Band("too_hard", False, 0.0, [], False, suspect=True)),
        ([(9, 10), (10, 10)], Band("too_easy", False, 0.95, ["m0", "m1"], False)),  # default threshold 0.9
        ([(8, 10), (10, 10)], Band("flat", False, 0.9, ["m0", "m1"], False)),
        ([(1, 3), (1, 3), (1, 3)], Band("flat", False, 0.333333, [], False)),
        ([(1, 2), (0, 2)], Band("discriminating", True, 0.25, ["m0"], False)),  # pass@1 of exactly 0.5 passes
        ([(0, 5), (1, 5)], Band("flat", False, 0.1, [], True)),  # one solve by another model is teeth
        ([(0, 4), (4, 4)], Band("discriminating", True, 0.5, ["m1"], True)),
        ([(3, 4)], Band("flat", False, 0.75, ["m0"], False)),
        ([(3, 4), (1, 4), (0, 4)], Band("discriminating", True, 0.333333, ["m0"], False)),
    ],
)
def test_band_table(solved: list[tuple[int, int]], expected: Band) -> None:
    assert band(panel(*solved)) == expected


def test_the_threshold_tolerance_is_inclusive() -> None:
    # 0.75 + 1e-9 - 1e-9 == 0.75 exactly in binary floating point: a pass@1 that far below still counts
    assert band(panel((3, 4), (3, 4)), easy_pass_at_1=0.75 + 1e-9).name == "too_easy"
    assert band(panel((3, 4), (3, 4)), easy_pass_at_1=0.75 + 3e-9).name == "flat"
    assert band(panel((4, 4), (3, 4)), easy_pass_at_1=1.0, min_spread=0.25 + 1e-9).name == "discriminating"
    assert band(panel((4, 4), (3, 4)), easy_pass_at_1=1.0, min_spread=0.25 + 3e-9).name == "flat"


def test_band_without_outcomes_says_why() -> None:
    with pytest.raises(ValueError, match="^a band needs at least one model outcome$"):
        band([])
