"""Benchmark-level difficulty: bootstrap confidence intervals, separability with confidence, solve-rate spread.

Separability with confidence (BenchBuilder / Arena-Hard): the fraction of model pairs whose bootstrap
confidence intervals do not overlap. A benchmark that cannot tell its models apart scores 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A mean with its percentile-bootstrap confidence interval."""

    mean: float
    lo: float
    hi: float


@dataclass(frozen=True)
class Pair:
    """Two models compared by two tests: the difference of means (a - b) with its paired-bootstrap CI
    (``paired_differs``: that CI excludes 0), and whether the two models' own (marginal) CIs overlap, which is the
    test separability counts. The paired test is the more sensitive: a pair can differ by it while the marginal
    CIs still overlap."""

    a: str
    b: str
    diff: float
    diff_lo: float
    diff_hi: float
    overlap: bool
    paired_differs: bool = False


@dataclass(frozen=True)
class Separability:
    models: dict[str, Interval]
    pairs: list[Pair]
    fraction: float  # pairs with non-overlapping CIs / all pairs (0.0 with fewer than two models)
    n_items: int
    n_boot: int
    alpha: float

    @property
    def separated(self) -> int:
        return sum(not p.overlap for p in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": {m: asdict(ci) for m, ci in self.models.items()},
            "pairs": [asdict(p) for p in self.pairs],
            "fraction": self.fraction,
            "separated": self.separated,
            "n_pairs": len(self.pairs),
            "paired_differs": sum(p.paired_differs for p in self.pairs),
            "n_items": self.n_items,
            "n_boot": self.n_boot,
            "alpha": self.alpha,
        }


def _as_scores(scores: Any) -> np.ndarray:
    arr = np.asarray(scores, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("scores must be a non-empty 1-d array of per-item values")
    return arr


def _indices(n_items: int, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap resamples of item indices: n_boot rows of n_items draws with replacement."""
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    return np.random.default_rng(seed).integers(0, n_items, size=(n_boot, n_items))


def _interval(values: np.ndarray, mean: float, alpha: float) -> Interval:
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return Interval(round(mean, 6), round(float(lo), 6), round(float(hi), 6))


def bootstrap_ci(scores: Any, *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0) -> tuple[float, float, float]:
    """(mean, lo, hi): the percentile bootstrap over items of the mean per-item score."""
    arr = _as_scores(scores)
    means = arr[_indices(arr.size, n_boot, seed)].mean(axis=1)
    ci = _interval(means, float(arr.mean()), alpha)
    return ci.mean, ci.lo, ci.hi


def paired_bootstrap(
    scores_by_model: dict[str, Any], *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[dict[str, Interval], dict[tuple[str, str], Interval]]:
    """Per-model CIs and pairwise-difference CIs, every model resampled on the same item indices."""
    arrays = {m: _as_scores(s) for m, s in scores_by_model.items()}
    sizes = {a.size for a in arrays.values()}
    if len(sizes) > 1:
        raise ValueError(f"paired scores need the same items for every model (sizes {sorted(sizes)})")
    if not arrays:
        return {}, {}
    idx = _indices(sizes.pop(), n_boot, seed)
    boots = {m: a[idx].mean(axis=1) for m, a in arrays.items()}
    per_model = {m: _interval(boots[m], float(arrays[m].mean()), alpha) for m in arrays}
    diffs = {
        (a, b): _interval(boots[a] - boots[b], float(arrays[a].mean() - arrays[b].mean()), alpha)
        for a, b in combinations(arrays, 2)
    }
    return per_model, diffs


def separability(
    scores_by_model: dict[str, Any], *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> Separability:
    """Per-model (mean, lo, hi), the pairwise table, and the fraction of pairs whose CIs do not overlap."""
    per_model, diffs = paired_bootstrap(scores_by_model, n_boot=n_boot, alpha=alpha, seed=seed)
    pairs = []
    for (a, b), d in diffs.items():
        ca, cb = per_model[a], per_model[b]
        overlap = ca.lo <= cb.hi and cb.lo <= ca.hi
        pairs.append(Pair(a, b, d.mean, d.lo, d.hi, overlap, d.lo > 0 or d.hi < 0))
    fraction = round(sum(not p.overlap for p in pairs) / len(pairs), 6) if pairs else 0.0
    n_items = len(next(iter(scores_by_model.values()))) if scores_by_model else 0
    return Separability(per_model, pairs, fraction, n_items, n_boot, alpha)


def solve_rates(correct: Any, samples: Any) -> np.ndarray:
    """Per-item solve rate across models: sum of correct samples over sum of samples, per row (item)."""
    c, n = np.asarray(correct, dtype=float), np.asarray(samples, dtype=float)
    if c.shape != n.shape or np.any(n <= 0) or np.any(c < 0) or np.any(c > n):
        raise ValueError("solve rates need matching shapes with 0 <= correct <= samples and samples > 0")
    if c.ndim == 1:
        return c / n
    return c.sum(axis=1) / n.sum(axis=1)


def difficulty_histogram(rates: Any, bins: int = 10) -> tuple[list[int], list[float]]:
    """(counts, edges) of per-item solve rates over [0, 1] in ``bins`` equal bins (1.0 falls in the last).

    Rates and edges are rounded first, so a rate of exactly 0.3 always counts in the bin that starts at 0.3."""
    arr = np.round(np.asarray(rates, dtype=float), 9)
    counts, edges = np.histogram(arr, bins=np.round(np.linspace(0.0, 1.0, bins + 1), 9))
    return [int(x) for x in counts], [round(float(e), 6) for e in edges]


def pass_at_k_separability(
    counts: dict[str, list[tuple[int, int]]], ks: list[int], *, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> dict[str, Separability]:
    """Separability per k, from each model's (n, c) on the same items in the same order."""
    from domain.passk import pass_at_k

    return {
        str(k): separability(
            {m: [pass_at_k(n, c, k) for n, c in rows] for m, rows in counts.items()},
            n_boot=n_boot,
            alpha=alpha,
            seed=seed,
        )
        for k in ks
    }
