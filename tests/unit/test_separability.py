"""Bootstrap CIs and separability with confidence on synthetic panels whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from domain.separability import (
    bootstrap_ci,
    difficulty_histogram,
    paired_bootstrap,
    pass_at_k_separability,
    separability,
    solve_rates,
)


def panel(accuracies: dict[str, float], items: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Per-item 0/1 scores with exactly round(p * items) solved items per model, in shuffled positions."""
    rng = np.random.default_rng(seed)
    out = {}
    for model, p in accuracies.items():
        scores = np.zeros(items)
        scores[: round(p * items)] = 1.0
        out[model] = rng.permutation(scores)
    return out


def test_wide_skill_gaps_separate_every_pair() -> None:
    sep = separability(panel({"strong": 0.9, "mid": 0.6, "weak": 0.3}, 300))
    assert sep.fraction == 1.0 and sep.separated == 3 and sep.n_items == 300
    assert [(p.a, p.b) for p in sep.pairs] == [("strong", "mid"), ("strong", "weak"), ("mid", "weak")]
    assert sep.pairs[0].diff == pytest.approx(0.3) and sep.pairs[0].diff_lo > 0
    for model, acc in (("strong", 0.9), ("mid", 0.6), ("weak", 0.3)):
        ci = sep.models[model]
        assert ci.mean == pytest.approx(acc) and ci.lo < acc < ci.hi


def test_a_small_gap_on_few_items_separates_nothing() -> None:
    sep = separability(panel({"a": 0.52, "b": 0.50}, 40))
    assert sep.fraction == 0.0 and sep.pairs[0].overlap


def test_a_mix_gives_the_known_fraction() -> None:
    # 6 pairs; only the 0.90 / 0.88 pair is too close to tell apart on 300 items.
    sep = separability(panel({"a": 0.90, "b": 0.88, "c": 0.50, "d": 0.10}, 300))
    assert sep.fraction == pytest.approx(5 / 6)
    assert [p.overlap for p in sep.pairs] == [True, False, False, False, False, False]
    assert sep.to_dict()["separated"] == 5 and sep.to_dict()["n_pairs"] == 6


def test_one_model_has_no_pairs() -> None:
    sep = separability({"only": np.ones(10)})
    assert sep.pairs == [] and sep.fraction == 0.0


def test_bootstrap_ci_brackets_the_mean_and_is_deterministic() -> None:
    scores = panel({"m": 0.3}, 100)["m"]
    mean, lo, hi = bootstrap_ci(scores, seed=3)
    assert mean == pytest.approx(0.3) and lo < mean < hi
    assert 0.15 < hi - lo < 0.25  # ~ 2 * 1.96 * sqrt(0.3 * 0.7 / 100) = 0.18
    assert bootstrap_ci(scores, seed=3) == (mean, lo, hi)
    assert bootstrap_ci(np.ones(20)) == (1.0, 1.0, 1.0)


def test_bootstrap_ci_coverage_is_near_nominal() -> None:
    rng = np.random.default_rng(42)
    truth, trials = 0.3, 300
    covered = 0
    for t in range(trials):
        _, lo, hi = bootstrap_ci(rng.random(150) < truth, n_boot=400, seed=t)
        covered += lo <= truth <= hi
    assert 0.90 <= covered / trials <= 0.99


def test_narrower_intervals_with_more_items() -> None:
    small = bootstrap_ci(panel({"m": 0.5}, 50)["m"])
    large = bootstrap_ci(panel({"m": 0.5}, 800)["m"])
    assert large[2] - large[1] < (small[2] - small[1]) / 2


def test_paired_resampling_shrinks_the_difference_interval_of_correlated_models() -> None:
    base = panel({"m": 0.5}, 200)["m"]
    better = base.copy()
    better[np.flatnonzero(base == 0)[:10]] = 1.0  # same items plus ten more: a real but small gain
    per_model, diffs = paired_bootstrap({"better": better, "base": base})
    d = diffs[("better", "base")]
    assert d.mean == pytest.approx(0.05) and d.lo > 0  # paired: the gain is clear
    assert per_model["better"].lo < per_model["base"].hi  # unpaired CIs still overlap


def test_a_pair_can_differ_by_the_paired_test_and_still_overlap_in_separability() -> None:
    base = panel({"m": 0.5}, 200)["m"]
    better = base.copy()
    better[np.flatnonzero(base == 0)[:10]] = 1.0
    sep = separability({"better": better, "base": base})
    (pair,) = sep.pairs
    assert pair.paired_differs and pair.diff_lo > 0  # the paired difference's CI excludes 0
    assert pair.overlap and sep.separated == 0  # the marginal CIs overlap: separability does not count it
    assert sep.to_dict()["paired_differs"] == 1 and sep.to_dict()["pairs"][0]["paired_differs"] is True
    same = separability({"a": base, "b": base.copy()})
    assert not same.pairs[0].paired_differs and same.to_dict()["paired_differs"] == 0


def test_paired_bootstrap_needs_the_same_items() -> None:
    with pytest.raises(ValueError, match="same items"):
        paired_bootstrap({"a": np.ones(5), "b": np.ones(6)})
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_ci([])


def test_solve_rates_and_histogram() -> None:
    # three items, two models with 5 samples each
    rates = solve_rates([[5, 5], [5, 0], [0, 0]], [[5, 5], [5, 5], [5, 5]])
    assert rates.tolist() == [1.0, 0.5, 0.0]
    counts, edges = difficulty_histogram(rates, bins=4)
    assert counts == [1, 0, 1, 1] and edges == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert solve_rates([2, 3], [4, 3]).tolist() == [0.5, 1.0]
    assert difficulty_histogram([9 / 30, 3 / 10, 0.7, 7 / 10])[0] == [0, 0, 0, 2, 0, 0, 0, 2, 0, 0]
    with pytest.raises(ValueError):
        solve_rates([6], [5])


def test_pass_at_k_separability_per_k() -> None:
    counts = {"strong": [(5, 5)] * 30 + [(5, 4)] * 30, "weak": [(5, 0)] * 50 + [(5, 1)] * 10}
    by_k = pass_at_k_separability(counts, [1, 5])
    assert set(by_k) == {"1", "5"} and by_k["1"].fraction == 1.0
    assert by_k["1"].models["strong"].mean == pytest.approx(0.9) and by_k["5"].models["strong"].mean == 1.0
    assert by_k["5"].models["weak"].mean == pytest.approx(10 / 60, abs=1e-6)


def test_pass_at_k_separability_is_the_seeded_separability_of_the_pass_at_k_scores() -> None:
    counts = {"a": [(5, 3), (5, 1), (5, 4), (5, 0)] * 5, "b": [(5, 2), (5, 2), (5, 1), (5, 3)] * 5}
    scores = {"a": [0.6, 0.2, 0.8, 0.0] * 5, "b": [0.4, 0.4, 0.2, 0.6] * 5}  # pass@1 = c / n
    assert pass_at_k_separability(counts, [1]) == {"1": separability(scores, seed=0)}  # seed 0 by default
    assert pass_at_k_separability(counts, [1], seed=7) == {"1": separability(scores, seed=7)}
