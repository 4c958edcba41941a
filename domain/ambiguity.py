"""Ambiguity measured from the probe: the capable half of the panel splitting between answers. Pure.

A task with two readings shows up in its solvers, not in its wording: capable solvers that each get it right
under their own reading form two stable answer clusters. A skilled-but-fallible solver on a hard clear task
does not: its slips scatter over several wrong values, and the few that coincide stay a small share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.facts import AnswerCluster, ModelOutcome
from domain.graders import normalise

Same = Callable[[str, str], bool]


def same_text(a: str, b: str) -> bool:
    """The default notion of one answer: equal after case, whitespace and thousands separators are dropped."""
    return normalise(a) == normalise(b)


@dataclass(frozen=True)
class Split:
    """The verdict on one probed item: whether it is ambiguous, why, and the capable half's answer clusters."""

    ambiguous: bool
    reason: str = ""
    clusters: list[AnswerCluster] = field(default_factory=list)


def capable(outcomes: Sequence[ModelOutcome]) -> list[ModelOutcome]:
    """The stronger half of a panel listed strongest first: the first ceil(m/2) models."""
    return list(outcomes[: math.ceil(len(outcomes) / 2)])


def clusters(outcomes: Sequence[ModelOutcome], same: Same = same_text) -> list[AnswerCluster]:
    """Every answer of these outcomes joined to the first cluster whose first answer it is ``same`` as; blank
    answers (nothing stated) are left out. Largest first, ties in order of first appearance."""
    groups: list[tuple[str, list[str], list[bool]]] = []  # (representative, models, correct per sample)
    for o in outcomes:
        passed = set(o.passed_samples)
        for i, answer in enumerate(o.answers):
            if not answer.strip():
                continue
            home = next((g for g in groups if same(g[0], answer)), None)
            if home is None:
                home = (answer, [], [])
                groups.append(home)
            home[1].append(o.model)
            home[2].append(i in passed)
    total = sum(len(g[1]) for g in groups)
    out = [
        AnswerCluster(
            answer=rep,
            count=len(models),
            share=round(len(models) / total, 6),
            correct=sum(ok) * 2 > len(ok),
            models=sorted(set(models), key=models.index),
        )
        for rep, models, ok in groups
    ]
    return sorted(out, key=lambda c: -c.count)


def split(
    outcomes: Sequence[ModelOutcome],
    same: Same = same_text,
    *,
    min_support: int = 2,
    min_share: float = 0.25,
    min_coverage: float = 0.75,
    oracle_share: float = 0.6,
) -> Split:
    """Whether the capable half (``capable``) of a probe shows the item has more than one reading.

    Split: two or more clusters each hold at least ``min_support`` samples and ``min_share`` of the capable
    samples and each includes an answer of the strongest model, while the two largest clusters together hold at
    least ``min_coverage`` of them. A reading is something the strongest solver itself takes; a cluster of
    coinciding slips comes from the weaker solvers, and slips scatter, leaving many answers outside the top two.

    Oracle: the modal cluster holds at least ``oracle_share`` (and ``min_support``) of the capable samples and
    is graded wrong, so the oracle (whose answer the reference matches, or the item would not have passed the
    oracle gate) and the capable solvers each settle on a different answer.
    """
    group = capable(outcomes)
    found = clusters(group, same)
    lead = group[0].model if group else ""
    strong = [c for c in found if c.count >= min_support and c.share >= min_share - 1e-9 and lead in c.models]
    top = sum(c.share for c in found[:2])
    if len(strong) >= 2 and top >= min_coverage - 1e-9:
        named = " and ".join(c.answer for c in strong)
        return Split(True, f"capable solvers split between readings (answers {named})", found)
    modal = found[0] if found else None
    if modal and not modal.correct and modal.count >= min_support and modal.share >= oracle_share - 1e-9:
        return Split(True, f"capable solvers settle on another answer than the oracle ({modal.answer})", found)
    return Split(False, "", found)
