"""The difficulty band of an item across the solver panel, and per-model outcomes."""

from __future__ import annotations

import pytest

from domain.facts import ModelOutcome
from domain.passk import band, outcome, pass_at_k


def panel(*solved: tuple[int, int]) -> list[ModelOutcome]:
    """Outcomes for a panel ordered strongest first; each entry is (correct, samples)."""
    return [outcome(f"m{i}", [j < c for j in range(n)], [1, n]) for i, (c, n) in enumerate(solved)]


def test_too_hard_when_nobody_solves() -> None:
    b = band(panel((0, 5), (0, 5), (0, 3)))
    assert b.name == "too_hard"
    assert not b.in_band
    assert b.solve_rate == 0.0
    assert b.passed_models == []
    assert not b.teeth  # nobody solving is "suspect", not teeth


def test_too_easy_when_every_model_reaches_the_threshold() -> None:
    b = band(panel((5, 5), (5, 5), (9, 10)), easy_pass_at_1=0.9)
    assert b.name == "too_easy"
    assert not b.in_band
    assert b.passed_models == ["m0", "m1", "m2"]
    assert b.solve_rate == pytest.approx((1 + 1 + 0.9) / 3, abs=1e-6)


def test_one_model_below_the_easy_threshold_is_not_too_easy() -> None:
    # 8/10 < 0.9: spread 0.2 < 0.3, so flat rather than too easy
    assert band(panel((5, 5), (8, 10)), easy_pass_at_1=0.9).name == "flat"
    # the threshold is a parameter
    assert band(panel((5, 5), (8, 10)), easy_pass_at_1=0.8).name == "too_easy"


def test_discriminating_when_strong_pass_and_weak_fail() -> None:
    b = band(panel((5, 5), (3, 5), (0, 5)))
    assert b.name == "discriminating"
    assert b.in_band
    assert b.passed_models == ["m0", "m1"]
    assert b.solve_rate == pytest.approx((1.0 + 0.6 + 0.0) / 3, abs=1e-6)
    assert not b.teeth


def test_spread_threshold_decides_between_discriminating_and_flat() -> None:
    # pass@1 of 0.75 and 0.25: spread 0.5 (exact in binary floating point)
    outcomes = panel((3, 4), (1, 4))
    assert band(outcomes, min_spread=0.6).name == "flat"
    assert not band(outcomes, min_spread=0.6).in_band
    assert band(outcomes, min_spread=0.5).name == "discriminating"
    assert band(outcomes, min_spread=0.5).in_band


@pytest.mark.parametrize("solved", [((6, 10), (3, 10)), ((7, 10), (4, 10)), ((10, 10), (7, 10))])
def test_spread_exactly_at_threshold_is_discriminating(solved: tuple[tuple[int, int], ...]) -> None:
    # Every pair has a spread of exactly 3/10 = the default min_spread; the band must not depend on
    # how 0.7 - 0.4 rounds in binary floating point (it is 0.29999999999999993).
    assert band(panel(*solved), min_spread=0.3).name == "discriminating"


def test_flat_when_everyone_solves_about_equally_often() -> None:
    b = band(panel((2, 5), (2, 5), (3, 5)))
    assert b.name == "flat"
    assert not b.in_band
    assert b.passed_models == ["m2"]


def test_teeth_when_strongest_never_solves_but_another_does() -> None:
    b = band(panel((0, 5), (4, 5)))
    assert b.teeth
    assert b.name == "discriminating"
    assert b.passed_models == ["m1"]


def test_no_teeth_when_strongest_solves_once() -> None:
    assert not band(panel((1, 5), (4, 5))).teeth


def test_teeth_only_looks_at_the_first_model() -> None:
    assert not band(panel((3, 5), (0, 5), (4, 5))).teeth


def test_band_needs_outcomes() -> None:
    with pytest.raises(ValueError):
        band([])


def test_outcome_counts_and_keys() -> None:
    results = [True, False, True, False, False]
    o = outcome("local/solver", results, [1, 2, 5, 10], answers=["4", "5", "4", "x", "y"])
    assert o.model == "local/solver"
    assert (o.n, o.c) == (5, 2)
    # k larger than n is dropped: there are not enough samples to estimate it
    assert set(o.pass_at_k) == {"1", "2", "5"}
    for key, value in o.pass_at_k.items():
        assert value == pytest.approx(pass_at_k(5, 2, int(key)), abs=1e-6)
    assert o.pass_at_k["1"] == pytest.approx(0.4)
    assert o.pass_at_k["5"] == 1.0
    assert o.passed_samples == [0, 2]
    assert o.answers == ["4", "5", "4", "x", "y"]


def test_outcome_without_answers_or_successes() -> None:
    o = outcome("m", [False, False, False], [1, 3])
    assert o.c == 0
    assert o.pass_at_k == {"1": 0.0, "3": 0.0}
    assert o.passed_samples == []
    assert o.answers == []
