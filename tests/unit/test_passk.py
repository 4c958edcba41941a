"""pass@k against brute-force enumeration of every k-subset of n samples."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from domain.passk import pass_at_k


def brute_force(n: int, c: int, k: int) -> Fraction:
    """Fraction of k-subsets of n samples (the first c correct) that hold at least one correct sample."""
    subsets = list(itertools.combinations(range(n), k))
    hits = sum(1 for s in subsets if any(i < c for i in s))
    return Fraction(hits, len(subsets))


CASES = [(n, c, k) for n in range(1, 9) for c in range(n + 1) for k in range(1, n + 1)]


@pytest.mark.parametrize(("n", "c", "k"), CASES)
def test_matches_enumeration_of_all_subsets(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(float(brute_force(n, c, k)), abs=1e-12)


def test_every_small_case_is_covered() -> None:
    # n = 1..8, c = 0..n, k = 1..n: sum over n of (n + 1) * n
    assert len(CASES) == sum((n + 1) * n for n in range(1, 9)) == 240


@pytest.mark.parametrize("n", [1, 5, 50, 200])
def test_no_correct_sample_is_zero(n: int) -> None:
    for k in (1, n):
        assert pass_at_k(n, 0, k) == 0.0


@pytest.mark.parametrize(("n", "c", "k"), [(5, 5, 1), (5, 3, 3), (5, 1, 5), (10, 8, 3), (200, 199, 2)])
def test_fewer_wrong_samples_than_k_is_certain(n: int, c: int, k: int) -> None:
    assert n - c < k
    assert pass_at_k(n, c, k) == 1.0


def test_pass_at_1_is_the_plain_success_rate() -> None:
    for n in (1, 7, 200):
        for c in range(n + 1):
            assert pass_at_k(n, c, 1) == pytest.approx(c / n, abs=1e-12)


def test_monotone_in_k_and_c() -> None:
    n = 20
    for c in range(n + 1):
        values = [pass_at_k(n, c, k) for k in range(1, n + 1)]
        assert all(a <= b + 1e-15 for a, b in itertools.pairwise(values))
    for k in (1, 5, 10):
        values = [pass_at_k(n, c, k) for c in range(n + 1)]
        assert all(a <= b + 1e-15 for a, b in itertools.pairwise(values))


@pytest.mark.parametrize(("c", "k"), [(1, 1), (1, 100), (3, 10), (17, 50), (100, 100), (150, 1), (199, 1)])
def test_numerically_stable_for_n_200(c: int, k: int) -> None:
    n = 200
    exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
    got = pass_at_k(n, c, k)
    assert 0.0 <= got <= 1.0
    assert got == pytest.approx(float(exact), rel=1e-12, abs=1e-15)


def test_large_binomials_do_not_overflow() -> None:
    # C(2000, 1000) overflows a float; the product form must not.
    exact = 1 - Fraction(math.comb(1990, 1000), math.comb(2000, 1000))
    assert pass_at_k(2000, 10, 1000) == pytest.approx(float(exact), rel=1e-12)


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [(5, -1, 1), (5, 6, 1), (5, 2, 0), (5, 2, 6), (5, 2, -1), (0, 0, 1), (0, 0, 0), (-1, 0, 1)],
)
def test_bad_arguments_raise(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="pass@k"):
        pass_at_k(n, c, k)
