"""The agent-step recipe's gates, cheap structural checks first, model-graded ones once worth the spend.

Names match the ground-truth recipe where the idea is the same. Reasons are short sentences with any variable
part in parentheses at the end (they feed the rejects-by-reason report and the reflection checklist).
"""

from __future__ import annotations

from typing import Any

from domain import actions as act
from recipes.agent_step import items, prompts
from recipes.base import Context, GateOutcome
from recipes.text import short

GRADING = frozenset({"answer", "grading", "actions"})
TASK = GRADING | {"goal", "context", "step"}


class Construct:
    """Schema valid, the correct action is available and its args fit, the grader accepts the reference."""

    name, reads = "construct", TASK | {"workflow", "step_index"}

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        errors = items.validate(payload)
        if errors:
            return GateOutcome("fail", f"malformed item ({errors[0]})", detail={"errors": errors})
        if not items.grade(payload, items.reference(payload)).ok:
            return GateOutcome("fail", "the grader rejects the item's own reference action")
        return GateOutcome("pass", detail={"actions": len(payload["actions"]), "grading": payload["grading"]})


class Oracle:
    """An independent strong model picks the action; the grader must accept its choice."""

    name, reads = "oracle", TASK

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        reply = await ctx.call("oracle", prompts.solve(payload, "oracle"), seed=ctx.seed, temperature=0.0)
        verdict = items.grade(payload, reply.text)
        detail = {"oracle_action": short(verdict.parsed, 200)}
        if verdict.ok:
            return GateOutcome("pass", detail=detail, receipts=[reply.receipt])
        said = short(verdict.parsed) or "no action"
        return GateOutcome(
            "repair",
            f"reference action disagrees with the oracle (oracle: {said})",
            instruction=(
                f"The reference answer looks wrong: an independent agent chose {said}, but the reference "
                f"action is {short(items.reference(payload).removeprefix('ACTION: '))}. Re-read the goal "
                "and the transcript, and correct the answer and the rationale; do not change the context "
                "or the actions."
            ),
            detail=detail,
            receipts=[reply.receipt],
        )


class Counter:
    """Every other available action, and the right action with wrong args, must be rejected by the grader."""

    name, reads = "counter", GRADING

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        wrong = items.counters(payload)
        accepted = [(n, a) for n, a in wrong if items.accepts(payload, n, a)]
        detail = {"tried": len(wrong), "accepted": [act.format_action(n, a) for n, a in accepted]}
        if not accepted:
            return GateOutcome("pass", detail=detail)
        example = short(act.format_action(*accepted[0]).removeprefix("ACTION: "))
        return GateOutcome(
            "repair",
            f"the grader accepts a wrong action (e.g. {example})",
            instruction=(
                f'The grader accepts a wrong action such as {example}: set grading to "action_args" so '
                "the arguments must match too. Keep everything else."
            ),
            detail=detail,
        )


class Gameability:
    """No model: the transcript must not instruct the answer, and no shortcut strategy may be graded correct."""

    name, reads = "gameability", frozenset({"context", "actions", "answer"})

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        if cue := items.leaked(payload):
            return GateOutcome(
                "repair",
                "the context tells the agent the answer",
                instruction=(
                    f'The transcript tells the agent what to do next ("{short(cue, 120)}"). Remove '
                    "that sentence from the context; keep everything else unchanged."
                ),
                detail={"sentence": short(cue, 200)},
            )
        right = act.normalise_name(str(payload["answer"]["action"]))
        for label, name in items.trivial(payload):
            if act.normalise_name(name) != right:
                continue
            if label.startswith("always") and len(payload["actions"]) >= 3:
                return GateOutcome(
                    "repair",
                    f"a trivial strategy is graded correct ({label})",
                    instruction=(
                        f"The correct action is listed {label.split()[-2]}, so {label} would be graded "
                        "correct. Reorder the actions so the correct one is neither first nor last; change "
                        "nothing else."
                    ),
                    detail={"strategy": label},
                )
            return GateOutcome("fail", f"a trivial strategy is graded correct ({label})", detail={"strategy": label})
        return GateOutcome("pass", detail={"strategies": len(items.trivial(payload))})


class Final:
    """Re-check before the queue: schema, reference accepted, a wrong action rejected; the rationale argues for
    the reference action; the item is still the coordinate (step, its index, difficulty) it was drafted for."""

    name, reads = "final", frozenset(items.FIELDS)

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        errors = items.validate(payload)
        if errors:
            return GateOutcome("fail", f"final check: malformed item ({errors[0]})")
        if not items.grade(payload, items.reference(payload)).ok:
            return GateOutcome("fail", "final check: the grader rejects the reference action")
        wrong = items.counters(payload)[:1]
        if wrong and items.accepts(payload, *wrong[0]):
            return GateOutcome("fail", f"final check: the grader accepts a wrong action ({wrong[0][0]})")
        named = items.argued(payload)
        if named and act.normalise_name(payload["answer"]["action"]) not in map(act.normalise_name, named):
            return GateOutcome(
                "fail", f"rationale argues for a different action ({named[0]})", detail={"rationale_names": named}
            )
        steps = list(ctx.spec.axes["step"].values) if "step" in ctx.spec.axes else []
        moved: list[str] = [
            k for k in ("step", "difficulty") if k in payload and payload[k] != ctx.coordinate.get(k, payload[k])
        ]
        if not moved and payload["step"] in steps and payload["step_index"] != steps.index(payload["step"]):
            moved = ["step_index"]
        if moved:
            return GateOutcome("fail", f"item no longer matches its coordinate ({moved[0]} {payload.get(moved[0])})")
        return GateOutcome("pass", detail={"rationale_names": named})
