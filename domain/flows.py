"""Per-step pass@k profile of an agent workflow, and where its end-to-end failure mass sits. Pure.

An agent finishes a workflow only if every step succeeds, so the end-to-end rate is the product of the
per-step rates, and one brittle step drags it down. Each step's share of the loss is its -log(pass@1) over
the sum across steps; the weakest steps are the fewest that own at least half of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from domain.passk import pass_at_k

Row = tuple[str, int, int, int]  # (step, step_index, n, c) for one item
FLOOR = 1e-3  # a step nobody passes still has a finite loss


@dataclass(frozen=True)
class StepStat:
    """One step: how many items measured it, mean unbiased pass@k over them, and its share of the loss."""

    step: str
    step_index: int
    items: int
    pass_at_k: dict[str, float] = field(default_factory=dict)
    loss_share: float = 0.0


@dataclass(frozen=True)
class FlowProfile:
    """A model's per-step profile: steps in workflow order, end-to-end pass@k, the weakest steps worst first."""

    model: str
    steps: list[StepStat]
    end_to_end: dict[str, float]
    weakest: list[str]


def _loss(p: float) -> float:
    return max(0.0, -math.log(max(p, FLOOR)))  # never -0.0


def step_profile(model: str, rows: list[Row], ks: list[int]) -> FlowProfile:
    """Group items by step (ordered by step_index), average pass@k per step, multiply across steps.

    A row with n = 0 names a step without measuring it: the step is listed with 0 items and no pass@k, and is
    left out of the product. A k larger than an item's n skips that item for that k.
    """
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    order = sorted(groups, key=lambda s: (min(r[1] for r in groups[s]), list(groups).index(s)))
    measured: dict[str, dict[str, float]] = {}
    p1: dict[str, float] = {}
    for step in order:
        done = [r for r in groups[step] if r[2] > 0]
        if not done:
            continue
        p1[step] = sum(c / n for _, _, n, c in done) / len(done)
        measured[step] = {
            str(k): round(sum(pass_at_k(n, c, k) for _, _, n, c in fit) / len(fit), 6)
            for k in ks
            if (fit := [r for r in done if r[2] >= k])
        }
    total = sum(_loss(p) for p in p1.values())
    shares = {s: (_loss(p) / total if total > 0 else 0.0) for s, p in p1.items()}
    steps = [
        StepStat(
            step=s,
            step_index=min(r[1] for r in groups[s]),
            items=sum(r[2] > 0 for r in groups[s]),
            pass_at_k=measured.get(s, {}),
            loss_share=round(shares.get(s, 0.0), 6),
        )
        for s in order
    ]
    end_to_end = {}
    for k in ks:
        values = [m[str(k)] for m in measured.values() if str(k) in m]
        if values and len(values) == len(measured):
            end_to_end[str(k)] = round(math.prod(values), 6)
    return FlowProfile(model=model, steps=steps, end_to_end=end_to_end, weakest=_weakest(shares, order))


def _weakest(shares: dict[str, float], order: list[str]) -> list[str]:
    """The fewest steps, worst first, whose loss shares add up to at least one half."""
    ranked = sorted((s for s in shares if shares[s] > 0), key=lambda s: (-shares[s], order.index(s)))
    picked: list[str] = []
    owned = 0.0
    for step in ranked:
        if owned >= 0.5 - 1e-9:
            break
        picked.append(step)
        owned += shares[step]
    return picked
