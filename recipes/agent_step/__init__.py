"""Recipe "agent_step": one decision at one step of an agent workflow, with its known-correct action.

Payload: workflow (name), goal, step (name) and step_index (its position in the workflow), context (the
transcript so far: {"role": "user" | "assistant" | "tool", "content"} turns), actions (the available tools:
{"name", "description", "args": {arg: type}}), answer ({"action", "args"}), grading ("action": the name must
match; "action_args": name and args after normalisation), rationale (for the reviewer) and difficulty.
The workflow's steps, in order, are the spec's ``step`` axis. Options (spec [recipe_options]): ``workflow``
(default: the spec's name) and ``author_temperature`` (default 1.0).
"""

from __future__ import annotations

import json
from typing import Any

import recipes
from domain.facts import Receipt
from recipes.agent_step import gates, items, prompts
from recipes.base import Attempt, Context, Draft, DraftError, Gate
from recipes.shared_gates import NoveltyGate, ProbeGate, RealismGate, repair_by_model


@recipes.register("agent_step")
class AgentStep:
    name = "agent_step"
    probe_gate = "difficulty"

    def __init__(self, workflow: str = "", author_temperature: float = 1.0) -> None:
        self.workflow = workflow
        self.author_temperature = author_temperature
        self.gates: list[Gate] = [
            gates.Construct(),
            NoveltyGate(self.novelty_text, frozenset({"goal", "context"})),
            gates.Oracle(),
            gates.Counter(),
            RealismGate(
                prompts.judge,
                frozenset({"goal", "context", "actions", "step"}),
                subject="goal",
                instruction="Rewrite the goal so it is realistic and has exactly one reading; keep the "
                "transcript, the actions and the answer.",
            ),
            ProbeGate(gates.TASK),
            gates.Gameability(),
            gates.Final(),
        ]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return items.validate(payload)

    async def draft(self, ctx: Context) -> Draft:
        steps = list(ctx.spec.axes["step"].values) if "step" in ctx.spec.axes else []
        step = ctx.coordinate.get("step") or (steps[0] if steps else "act")
        steps = steps or [step]
        difficulty = ctx.coordinate.get("difficulty", "medium")
        workflow = self.workflow or ctx.spec.name
        extra = {k: v for k, v in ctx.coordinate.items() if k not in ("step", "difficulty")}
        messages = prompts.author(workflow, steps, step, difficulty, ctx.checklist, extra)
        reply = await ctx.call("author", messages, seed=ctx.seed, temperature=self.author_temperature)
        raw = items.from_reply(reply.text)
        if raw is None or not isinstance(raw.get("context"), list) or not raw.get("actions"):
            raise DraftError(
                "author returned no usable item (no JSON object with a context and actions)", [reply.receipt]
            )
        payload = items.normalise(raw)
        payload.update(workflow=workflow, step=step, step_index=steps.index(step), difficulty=difficulty)
        return Draft(payload=payload, receipts=[reply.receipt])

    async def repair(
        self, payload: dict[str, Any], instruction: str, ctx: Context
    ) -> tuple[dict[str, Any], list[Receipt]]:
        return await repair_by_model(
            payload,
            instruction,
            ctx,
            fields=items.FIELDS,
            messages=prompts.repair,
            normalise=items.normalise,
            parse=items.from_reply,
            keep=("workflow", "step", "step_index"),
        )

    async def attempt(
        self, payload: dict[str, Any], model: str, sample: int, seed: int, temperature: float, ctx: Context
    ) -> Attempt:
        reply = await ctx.call(
            "panel", prompts.solve(payload), model=model, sample=sample, seed=seed, temperature=temperature
        )
        verdict = items.grade(payload, reply.text)
        return Attempt(correct=verdict.ok, answer=verdict.parsed[:200], receipt=reply.receipt)

    def novelty_text(self, payload: dict[str, Any]) -> str:
        goal = payload.get("goal", "")
        return f"{goal if isinstance(goal, str) else json.dumps(goal)}\n{items.context_text(payload)}"

    def render(self, payload: dict[str, Any]) -> str:
        index = payload.get("step_index")
        position = f" (step {index + 1})" if isinstance(index, int) and not isinstance(index, bool) else ""
        turns = "\n".join(
            f"- **{t.get('role', '?')}:** {' '.join(str(t.get('content', '')).split())}"
            for t in payload.get("context", [])
            if isinstance(t, dict)
        )
        tools = "\n".join(
            f"- `{prompts.signature(a)}`: {a.get('description', '')}"
            for a in payload.get("actions", [])
            if isinstance(a, dict)
        )
        grading = (
            "the action name and its arguments must match (after normalisation)"
            if payload.get("grading") == "action_args"
            else "the action name must match"
        )
        parts = [
            f"**Workflow:** {payload.get('workflow', '?')} · **Step:** {payload.get('step', '?')}{position} · "
            f"**Requested difficulty:** {payload.get('difficulty', '?')}",
            f"### Goal\n\n{payload.get('goal', '')}",
            f"### Transcript so far\n\n{turns}",
            f"### Available actions\n\n{tools}",
            f"### Correct action\n\n```\n{items.reference(payload)}\n```",
            f"**Grading:** {grading}",
        ]
        if payload.get("rationale"):
            parts.append(f"### Rationale\n\n{payload['rationale']}")
        return "\n\n".join(parts)
