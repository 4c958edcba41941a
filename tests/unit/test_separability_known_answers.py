"""Known answers for the paired bootstrap: fixed scores and seed give literal intervals and fractions.

The literals were computed once, then checked two ways below: against the same resampling written out by hand
with numpy (every model resampled on one shared set of item indices, percentile bounds at alpha/2 and 1 - alpha/2),
and against the normal approximation mean +- 1.96 * sd / sqrt(n), which they must roughly agree with.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from domain.separability import (
    Interval,
    bootstrap_ci,
    difficulty_histogram,
    paired_bootstrap,
    pass_at_k_separability,
    separability,
    solve_rates,
)

A = [0.9, 0.2, 0.75, 1.0, 0.5, 0.6, 0.05, 0.8]
B = [0.7, 0.1, 0.8, 0.6, 0.2, 0.6, 0.0, 0.3]
C = [0.0, 0.05, 0.1, 0.0, 0.2, 0.0, 0.1, 0.05]
N_BOOT, SEED = 400, 11


def by_hand(scores: dict[str, list[float]], alpha: float = 0.05) -> dict[str, tuple[float, float]]:
    """Per-model and per-pair (lo, hi), resampling written out without domain.separability."""
    n = len(next(iter(scores.values())))
    idx = np.random.default_rng(SEED).integers(0, n, size=(N_BOOT, n))
    means = {m: np.asarray(s)[idx].mean(axis=1) for m, s in scores.items()}
    out = {m: tuple(np.quantile(v, [alpha / 2, 1 - alpha / 2])) for m, v in means.items()}
    out["a-b"] = tuple(np.quantile(means["a"] - means["b"], [alpha / 2, 1 - alpha / 2]))
    return {k: (round(float(lo), 6), round(float(hi), 6)) for k, (lo, hi) in out.items()}


def test_bootstrap_ci_known_answer() -> None:
    assert bootstrap_ci(A, n_boot=N_BOOT, seed=SEED) == (0.6, 0.39375, 0.8125)
    assert bootstrap_ci(A, n_boot=N_BOOT, seed=SEED, alpha=0.1) == (0.6, 0.430938, 0.76875)
    assert bootstrap_ci(A, n_boot=N_BOOT, seed=SEED, alpha=0.2) == (0.6, 0.4625, 0.7375)


def test_paired_bootstrap_known_answer() -> None:
    per_model, diffs = paired_bootstrap({"a": A, "b": B}, n_boot=N_BOOT, seed=SEED)
    assert per_model == {"a": Interval(0.6, 0.39375, 0.8125), "b": Interval(0.4125, 0.25, 0.587812)}
    assert diffs == {("a", "b"): Interval(0.1875, 0.0625, 0.325)}


def test_separability_known_answer() -> None:
    sep = separability({"a": A, "b": B, "c": C}, n_boot=N_BOOT, seed=SEED)
    assert sep.to_dict() == {
        "models": {
            "a": {"mean": 0.6, "lo": 0.39375, "hi": 0.8125},
            "b": {"mean": 0.4125, "lo": 0.25, "hi": 0.587812},
            "c": {"mean": 0.0625, "lo": 0.025, "hi": 0.1125},
        },
        "pairs": [
            # a - b: the paired test tells them apart (its CI excludes 0), their own CIs still overlap
            {"a": "a", "b": "b", "diff": 0.1875, "diff_lo": 0.0625, "diff_hi": 0.325, "overlap": True}
            | {"paired_differs": True},
            {"a": "a", "b": "c", "diff": 0.5375, "diff_lo": 0.3, "diff_hi": 0.768906, "overlap": False}
            | {"paired_differs": True},
            {"a": "b", "b": "c", "diff": 0.35, "diff_lo": 0.14375, "diff_hi": 0.556406, "overlap": False}
            | {"paired_differs": True},
        ],
        "fraction": 0.666667,
        "separated": 2,
        "n_pairs": 3,
        "paired_differs": 3,
        "n_items": 8,
        "n_boot": 400,
        "alpha": 0.05,
    }


def test_the_known_answers_agree_with_the_resampling_written_out() -> None:
    hand = by_hand({"a": A, "b": B})
    per_model, diffs = paired_bootstrap({"a": A, "b": B}, n_boot=N_BOOT, seed=SEED)
    assert (per_model["a"].lo, per_model["a"].hi) == hand["a"] == (0.39375, 0.8125)
    assert (per_model["b"].lo, per_model["b"].hi) == hand["b"]
    assert (diffs[("a", "b")].lo, diffs[("a", "b")].hi) == hand["a-b"] == (0.0625, 0.325)
    assert by_hand({"a": A, "b": B}, alpha=0.2)["a"] == (0.4625, 0.7375)


def test_the_known_answers_are_near_the_normal_approximation() -> None:
    for scores, (lo, hi) in ((A, (0.39375, 0.8125)), (np.subtract(A, B), (0.0625, 0.325))):
        mean = float(np.mean(scores))
        half = 1.96 * float(np.std(scores)) / math.sqrt(len(scores))
        assert lo == pytest.approx(mean - half, abs=0.03) and hi == pytest.approx(mean + half, abs=0.03)


def test_swapping_the_two_models_negates_the_difference() -> None:
    _, forward = paired_bootstrap({"a": A, "b": B}, n_boot=N_BOOT, seed=SEED)
    _, backward = paired_bootstrap({"b": B, "a": A}, n_boot=N_BOOT, seed=SEED)
    d, r = forward[("a", "b")], backward[("b", "a")]
    assert (r.mean, r.lo, r.hi) == (-d.mean, -d.hi, -d.lo)
    assert separability({"b": B, "a": A}, n_boot=N_BOOT, seed=SEED).pairs[0].diff == -0.1875


def test_a_models_interval_does_not_depend_on_the_others() -> None:
    alone = bootstrap_ci(A, n_boot=N_BOOT, seed=SEED)
    per_model, _ = paired_bootstrap({"c": C, "a": A, "b": B}, n_boot=N_BOOT, seed=SEED)
    assert (per_model["a"].mean, per_model["a"].lo, per_model["a"].hi) == alone


@pytest.mark.parametrize("position", [0, 4])
def test_every_item_can_be_drawn_first_and_last_included(position: int) -> None:
    # one solved item among five: if the resampling never drew it, every resample would score 0
    scores = [0.0] * 5
    scores[position] = 1.0
    mean, lo, hi = bootstrap_ci(scores, n_boot=200, seed=0)
    assert mean == 0.2 and lo == 0.0 and hi >= 0.4


def test_item_indices_cover_exactly_the_items() -> None:
    # a resample only ever takes real items: with one item, every resample is that item
    assert bootstrap_ci([0.25], n_boot=50, seed=3) == (0.25, 0.25, 0.25)
    assert bootstrap_ci([0.25, 0.75], n_boot=1, seed=3)[1] in (0.25, 0.5, 0.75)


def test_intervals_that_touch_overlap() -> None:
    # "top" is (1, 1, 1); "near" misses one item of 20, so most resamples of it score 1: its hi is 1.0 too
    sep = separability({"top": [1.0] * 20, "near": [1.0] * 19 + [0.0]})
    assert sep.models["top"].lo == sep.models["near"].hi == 1.0
    assert sep.pairs[0].overlap and sep.fraction == 0.0 and sep.separated == 0
    assert separability({"near": [1.0] * 19 + [0.0], "top": [1.0] * 20}).pairs[0].overlap  # either order


def test_the_defaults_known_answer() -> None:
    # n_boot=1000, alpha=0.05, seed=0, on twelve distinct scores, where one resample more or another seed
    # moves the bounds (1001 resamples: x's lo is 0.378333; seed 1: 0.366604)
    x = [0.91, 0.13, 0.77, 0.98, 0.52, 0.64, 0.07, 0.85, 0.33, 0.41, 0.69, 0.26]
    y = [0.8, 0.2, 0.7, 0.9, 0.3, 0.6, 0.1, 0.5, 0.4, 0.2, 0.6, 0.3]
    assert bootstrap_ci(x) == (0.546667, 0.378292, 0.71425)
    assert paired_bootstrap({"x": x, "y": y}) == (
        {"x": Interval(0.546667, 0.378292, 0.71425), "y": Interval(0.466667, 0.333333, 0.608333)},
        {("x", "y"): Interval(0.08, 0.013333, 0.1525)},
    )
    sep = separability({"x": x, "y": y}).to_dict()
    assert (sep["n_boot"], sep["alpha"], sep["models"]["x"]["lo"], sep["pairs"][0]["diff_hi"]) == (
        1000,
        0.05,
        0.378292,
        0.1525,
    )


def test_values_are_rounded_to_six_places() -> None:
    assert bootstrap_ci([0.0, 0.0, 1.0], n_boot=7, seed=1) == (0.333333, 0.05, 0.616667)
    assert bootstrap_ci([0.0, 0.0, 1.0], n_boot=10, seed=4) == (0.333333, 0.0, 1.0)
    assert bootstrap_ci([0.0, 0.0, 1.0], n_boot=10, seed=3)[2] == 0.591667
    # one of three pairs separated: "b" on four items spans (0, 1), touching both others
    sep = separability({"a": [1.0] * 4, "b": [1.0, 1.0, 0.0, 0.0], "c": [0.0] * 4})
    assert sep.models["b"] == Interval(0.5, 0.0, 1.0)
    assert [p.overlap for p in sep.pairs] == [True, False, True]
    assert sep.fraction == 0.333333 and sep.separated == 1


def test_pass_at_k_separability_known_answer() -> None:
    # (n, c) per item; pass@1 = c / n and pass@2 = 1 - C(n-c, 2) / C(n, 2)
    counts = {"strong": [(4, 4), (4, 3), (4, 2)], "weak": [(4, 1), (4, 0), (4, 0)]}
    by_k = pass_at_k_separability(counts, [1, 2])
    assert by_k["1"].models == {"strong": Interval(0.75, 0.5, 1.0), "weak": Interval(0.083333, 0.0, 0.25)}
    assert by_k["2"].models["strong"].mean == round((1 + 1 + 5 / 6) / 3, 6) == 0.944444
    assert by_k["2"].models["weak"] == Interval(0.166667, 0.0, 0.5)
    assert (by_k["2"].n_boot, by_k["2"].alpha, by_k["2"].n_items) == (1000, 0.05, 3)
    six = {
        "strong": [(5, 5), (5, 3), (5, 2), (5, 4), (5, 1), (5, 3)],
        "weak": [(5, 1), (5, 0), (5, 2), (5, 0), (5, 1), (5, 0)],
    }
    assert pass_at_k_separability(six, [2])["2"].models["strong"] == Interval(0.816667, 0.633333, 0.966667)  # seed 0
    custom = pass_at_k_separability(counts, [1], n_boot=50, alpha=0.2, seed=4)["1"]
    assert custom.models["strong"] == Interval(0.75, 0.583333, 0.833333)
    assert (custom.pairs[0].diff_lo, custom.pairs[0].diff_hi) == (0.583333, 0.75)
    assert (custom.n_boot, custom.alpha) == (50, 0.2)


def test_scores_of_any_real_number_type_are_read_as_floats() -> None:
    # e.g. scores read from JSON with parse_float=Decimal, or exact Fractions
    assert bootstrap_ci([Decimal("0.5"), Decimal("0.25"), Decimal("1")], n_boot=20) == (0.583333, 0.372917, 0.833333)
    assert bootstrap_ci([Fraction(1, 2), Fraction(1, 4), Fraction(1)], n_boot=20) == (0.583333, 0.372917, 0.833333)


def test_histogram_known_answers() -> None:
    # edges of three bins are 1/3 and 2/3 (rounded); a rate of exactly 1/3 starts the middle bin
    assert difficulty_histogram([1 / 3, 2 / 3], bins=3) == ([0, 1, 1], [0.0, 0.333333, 0.666667, 1.0])
    assert difficulty_histogram([Fraction(1, 3), Fraction(2, 3), Fraction(3, 10)], bins=3)[0] == [1, 1, 1]
    # rates are rounded to 9 places first: float noise below an edge does not move a rate out of its bin
    assert difficulty_histogram([0.3 - 4e-10])[0] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert difficulty_histogram([0.3 - 2e-9])[0] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_solve_rates_edges() -> None:
    assert solve_rates([1, 0], [1, 1]).tolist() == [1.0, 0.0]  # a single sample is enough
    assert solve_rates([[1, 2], [0, 0]], [[1, 3], [2, 2]]).tolist() == [0.75, 0.0]
    message = "^solve rates need matching shapes with 0 <= correct <= samples and samples > 0$"
    for correct, samples in (([0], [0]), ([-1], [5]), ([6], [5]), ([1, 2], [4]), ([[1]], [1])):
        with pytest.raises(ValueError, match=message):
            solve_rates(correct, samples)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="^n_boot must be at least 1$"):
        bootstrap_ci(A, n_boot=0)
    assert bootstrap_ci(A, n_boot=1, seed=SEED)[0] == 0.6
    with pytest.raises(ValueError, match="^scores must be a non-empty 1-d array of per-item values$"):
        bootstrap_ci([[1.0, 0.0], [0.0, 1.0]])
    assert paired_bootstrap({}) == ({}, {})
    empty = separability({})
    assert (empty.models, empty.pairs, empty.fraction, empty.n_items) == ({}, [], 0.0, 0)
