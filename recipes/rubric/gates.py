"""The rubric recipe's gates that need no model: construct, atomicity, mece and final (the model-graded ones
are in ``graded``). The verification points at the rubric: is each row one checkable fact, and do the rows
cover the task's required types without two of them checking the same thing?

Reasons are short sentences with any variable part in parentheses at the end (they feed the rejects-by-reason
report and the reflection checklist).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from domain.rubric import missing_types, overlaps
from recipes.base import Context, GateOutcome
from recipes.rubric import items


class Construct:
    """Schema valid, the captured output non-empty, every required type present, no row repeated. No model."""

    name, reads = "construct", frozenset(items.FIELDS)

    def __init__(self, required: Sequence[str]) -> None:
        self.required = tuple(required)

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        problems = items.construct_problems(payload, self.required)
        if problems:
            return GateOutcome("fail", problems[0], detail={"errors": items.validate(payload)})
        return GateOutcome("pass", detail={"rows": len(payload["criteria"])})


class Atomicity:
    """Every row is one yes/no check answerable from the output alone: compound rows are split (the parts keep
    ``split_from``), vague rows reworded. A cheap heuristic; judges' disagreement catches what it misses."""

    name, reads = "atomicity", frozenset({"criteria"})

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        criteria = items.rubric(payload)
        compound, vague = items.atomicity(criteria)
        detail: dict[str, Any] = {"splits": items.splits(criteria)}
        if not compound and not vague:
            return GateOutcome("pass", detail=detail)
        steps = [
            f'Row {i + 1} joins separate checks ("{criteria[i].text}"): split it into one row per check, each '
            "with split_from set to the original text."
            for i in sorted(compound)
        ]
        steps += [
            f'Row {i + 1} is vague ("{criteria[i].text}": {", ".join(terms)}): reword it as one concrete check '
            "a reader can verify from the output alone."
            for i, terms in sorted(vague.items())
            if i not in compound
        ]
        bad = sorted(set(compound) | set(vague))
        label = "compound or vague" if compound and vague else "compound" if compound else "vague"
        detail.update(
            compound={str(i + 1): p for i, p in compound.items()}, vague={str(i + 1): v for i, v in vague.items()}
        )
        return GateOutcome(
            "repair",
            f"{label} criteria ({items.rows_text(bad)})",
            instruction=" ".join(steps) + " Keep every other row unchanged.",
            detail=detail,
        )


class Mece:
    """Mutually exclusive (no two rows check the same thing) and collectively exhaustive (every required type)."""

    name, reads = "mece", frozenset({"criteria"})

    def __init__(self, threshold: float, required: Sequence[str]) -> None:
        self.threshold = threshold
        self.required = tuple(required)

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        criteria = items.rubric(payload)
        pairs = overlaps(criteria, self.threshold)
        coverage = {t: sum(c.type == t for c in criteria) for t in self.required}
        detail = {
            "pairs": [{"rows": [i + 1, j + 1], "similarity": round(s, 3)} for i, j, s in pairs],
            "coverage": coverage,
            "threshold": self.threshold,
        }
        if pairs:
            steps = [
                f'Rows {i + 1} and {j + 1} check the same thing ("{criteria[i].text}" / "{criteria[j].text}", '
                f"similarity {s:.2f}): merge or distinguish them."
                for i, j, s in pairs
            ]
            i, j, _ = pairs[0]
            return GateOutcome(
                "repair",
                f"overlapping criteria ({items.rows_text([i, j])})",
                instruction=" ".join(steps) + " Keep every other row unchanged.",
                detail=detail,
            )
        if missing := missing_types(criteria, self.required):
            steps = [
                f"Add at least one criterion of type {t} that checks one of the task's requirements." for t in missing
            ]
            return GateOutcome(
                "repair",
                f"rubric no longer covers a required type ({', '.join(missing)})",
                instruction=" ".join(steps) + " Keep the other rows.",
                detail=detail,
            )
        return GateOutcome("pass", detail=detail)


class Final:
    """Re-check before the queue: schema and construct invariants, no compound or vague row left, every fact a
    row cites (a number, code, price or date in parentheses) stated by the prompt, the coordinate unchanged."""

    name, reads = "final", frozenset({*items.FIELDS, "topic", "difficulty"})

    def __init__(self, required: Sequence[str]) -> None:
        self.required = tuple(required)

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        if problems := items.construct_problems(payload, self.required):
            return GateOutcome("fail", f"final check: {problems[0]}")
        criteria = items.rubric(payload)
        compound, vague = items.atomicity(criteria)
        if compound or vague:
            rows = items.rows_text(sorted(set(compound) | set(vague)))
            return GateOutcome("fail", f"final check: compound or vague criteria remain ({rows})")
        if stale := items.stale_facts(payload, criteria):
            row, fact = stale[0]
            return GateOutcome(
                "fail",
                f"criterion cites a fact the prompt does not give (row {row + 1}: {fact})",
                detail={"stale": [{"row": i + 1, "fact": f} for i, f in stale]},
            )
        moved = [k for k in ("topic", "difficulty") if k in payload and payload[k] != ctx.coordinate.get(k, payload[k])]
        if moved:
            return GateOutcome("fail", f"item no longer matches its coordinate ({moved[0]} {payload[moved[0]]})")
        return GateOutcome(
            "pass",
            detail={
                "rows": len(criteria),
                "by_type": dict(Counter(c.type for c in criteria)),
                "gate_rows": [i + 1 for i, c in enumerate(criteria) if c.criticality == "gate"],
                "splits": items.splits(criteria),
            },
        )
