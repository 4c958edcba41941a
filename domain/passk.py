"""Difficulty estimators: unbiased pass@k, panel solve rate, and the band an item falls in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.facts import ModelOutcome

_EPS = 1e-9


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of Chen et al. 2021: 1 - C(n-c, k) / C(n, k), in its numerically stable form."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def outcome(model: str, results: list[bool], ks: list[int], answers: list[str] | None = None) -> ModelOutcome:
    """Summarise one model's samples on one item."""
    n, c = len(results), sum(results)
    return ModelOutcome(
        model=model,
        n=n,
        c=c,
        pass_at_k={str(k): round(pass_at_k(n, c, k), 6) for k in ks if k <= n},
        passed_samples=[i for i, ok in enumerate(results) if ok],
        answers=list(answers or []),
    )


@dataclass(frozen=True)
class Band:
    name: str  # too_easy | discriminating | flat | too_hard
    in_band: bool
    solve_rate: float  # mean per-sample success across the panel
    passed_models: list[str]  # models that solve at pass@1 >= 0.5
    teeth: bool  # the strongest model (first in the panel) never solves it, at any k
    suspect: bool = False  # nobody on the panel solves it


def band(outcomes: list[ModelOutcome], easy_pass_at_1: float = 0.9, min_spread: float = 0.3) -> Band:
    """Place an item: discriminating when stronger policies pass and weaker ones do not."""
    if not outcomes:
        raise ValueError("a band needs at least one model outcome")
    p1 = [o.c / o.n for o in outcomes]
    solve_rate = round(float(np.mean(p1)), 6)
    passed = [o.model for o, p in zip(outcomes, p1, strict=True) if p >= 0.5]
    teeth = outcomes[0].c == 0 and any(o.c > 0 for o in outcomes[1:])
    if sum(o.c for o in outcomes) == 0:
        return Band("too_hard", False, solve_rate, passed, False, suspect=True)
    # Thresholds compare with a tolerance: 0.7 - 0.4 is 0.29999999999999993 in binary floating point.
    if min(p1) >= easy_pass_at_1 - _EPS:
        return Band("too_easy", False, solve_rate, passed, teeth)
    if max(p1) - min(p1) >= min_spread - _EPS:
        return Band("discriminating", True, solve_rate, passed, teeth)
    return Band("flat", False, solve_rate, passed, teeth)
