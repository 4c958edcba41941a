"""The ground-truth recipe's gates, cheap structural checks first, model-graded ones once worth the spend.

Reasons are short sentences (they feed the rejects-by-reason report and the reflection checklist); any
variable part sits in parentheses at the end. Model failures (adapters.llm.ModelError) propagate.
"""

from __future__ import annotations

from typing import Any

from recipes.base import Context, GateOutcome
from recipes.ground_truth import items, prompts
from recipes.text import short

GRADING = frozenset({"answer", "answer_type", "tolerance", "rel_tolerance", "schema"})
TASK = GRADING | {"prompt"}


class Construct:
    """Schema valid and the grader accepts the item's own reference answer. No model."""

    name, reads = "construct", TASK

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        errors = items.validate(payload)
        if errors:
            return GateOutcome("fail", f"malformed item ({errors[0]})", detail={"errors": errors})
        if not items.accepts(payload, payload["answer"]):
            return GateOutcome("fail", "the grader rejects the item's own reference answer")
        return GateOutcome("pass", detail={"answer_type": payload["answer_type"]})


class Oracle:
    """An independent strong model solves the task; the grader must accept its answer."""

    name, reads = "oracle", TASK

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        reply = await ctx.call("oracle", prompts.solve(payload["prompt"], "oracle"), seed=ctx.seed, temperature=0.0)
        verdict = items.grade(payload, reply.text)
        detail = {"oracle_answer": short(verdict.parsed, 200)}
        if verdict.ok:
            return GateOutcome("pass", detail=detail, receipts=[reply.receipt])
        said = short(verdict.parsed) or "no answer"
        return GateOutcome(
            "repair",
            f"reference answer disagrees with the oracle (oracle: {said})",
            instruction=(
                f"The reference answer looks wrong: an independent solver answered {said}, but the "
                f"reference answer is {short(items.as_text(payload['answer']))}. Re-derive the answer "
                "from the prompt step by step and correct the reference answer and the solution; do not "
                "change the prompt."
            ),
            detail=detail,
            receipts=[reply.receipt],
        )


class Counter:
    """Plausible wrong answers (off by one, x10, sign, rounding, wrong key) must all be rejected."""

    name, reads = "counter", GRADING

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        wrong = items.counters(payload)
        accepted = [w for w in wrong if items.accepts(payload, w)]
        detail = {"tried": len(wrong), "accepted": [items.as_text(w) for w in accepted]}
        if not accepted:
            return GateOutcome("pass", detail=detail)
        example = short(items.as_text(accepted[0]))
        fix = (
            "require every key of the answer in the schema, with its type"
            if payload["answer_type"] == "json"
            else "tighten tolerance and rel_tolerance so only rounding differences are accepted"
        )
        return GateOutcome(
            "repair",
            f"the grader accepts wrong answers (e.g. {example})",
            instruction=f"The grader accepts wrong answers such as {example}: {fix}. Keep everything else.",
            detail=detail,
        )


class Gameability:
    """No model: the answer must not be in the prompt, and no trivial strategy may be graded correct."""

    name, reads = "gameability", TASK

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        if leak := items.leak(payload):
            value = short(items.as_text(leak.value))
            shown = value if leak.written == value else f"{value}, written as '{short(leak.written, 80)}'"
            return GateOutcome(
                "repair",
                "the prompt states the answer",
                instruction=f"The prompt reveals the answer ({shown}). Remove the answer from the prompt; keep "
                "everything else unchanged.",
                detail={"value": value, "written": short(leak.written, 200)},
            )
        for label, value in items.trivial(payload):
            if items.accepts(payload, value):
                return GateOutcome(
                    "fail",
                    f"a trivial strategy is graded correct ({label})",
                    detail={"strategy": label, "answer": items.as_text(value)},
                )
        return GateOutcome("pass", detail={"strategies": len(items.trivial(payload))})


class Final:
    """Re-check before the queue: schema valid, reference accepted, a wrong answer rejected; and what only the
    reviewer would otherwise see: the worked solution ends on the reference answer, and the item is still
    the coordinate it was drafted for."""

    name, reads = "final", frozenset(items.FIELDS)

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        errors = items.validate(payload)
        if errors:
            return GateOutcome("fail", f"final check: malformed item ({errors[0]})")
        if not items.accepts(payload, payload["answer"]):
            return GateOutcome("fail", "final check: the grader rejects the reference answer")
        wrong = (items.counters(payload) or ["(not the answer)"])[0]
        if items.accepts(payload, wrong):
            shown = short(items.as_text(wrong))
            return GateOutcome("fail", f"final check: the grader accepts a wrong answer ({shown})")
        stated = items.concluded(payload)
        if stated is not None and not items.accepts(payload, stated):
            shown = short(items.as_text(stated))
            return GateOutcome(
                "fail",
                f"worked solution contradicts the reference answer (solution ends with {shown})",
                detail={"solution_answer": shown},
            )
        moved = [k for k in ("topic", "difficulty") if k in payload and payload[k] != ctx.coordinate.get(k, payload[k])]
        if moved:
            return GateOutcome("fail", f"item no longer matches its coordinate ({moved[0]} {payload[moved[0]]})")
        return GateOutcome("pass", detail={"solution_answer": None if stated is None else items.as_text(stated)})
