"""Recipe "ground_truth": a task prompt with one verifiable final answer, graded by program.

Payload: prompt, answer, answer_type ("exact" | "numeric" | "json"), tolerance and rel_tolerance (numeric),
schema (json: required key -> type), solution (worked, for the reviewer; the final gate checks it ends on
the reference answer), topic and difficulty (the coordinate).
Options (spec [recipe_options]): ``author_temperature`` (default 1.0); ``examples`` = how many existing corpus
items the author is shown to steer away from (default 0: with examples, a draft depends on which other drafts
happened to be recorded first, so concurrent runs stop being reproducible).
"""

from __future__ import annotations

import json
from typing import Any

import recipes
from domain.facts import Receipt
from domain.graders import equivalent, extract_json
from recipes.base import Attempt, Context, Draft, DraftError, Gate
from recipes.ground_truth import gates, items, prompts
from recipes.shared_gates import NoveltyGate, ProbeGate, RealismGate, repair_by_model


@recipes.register("ground_truth")
class GroundTruth:
    name = "ground_truth"
    probe_gate = "difficulty"

    def __init__(self, examples: int = 0, author_temperature: float = 1.0) -> None:
        self.examples = examples
        self.author_temperature = author_temperature
        self.gates: list[Gate] = [
            gates.Construct(),
            NoveltyGate(self.novelty_text, frozenset({"prompt"})),
            gates.Oracle(),
            gates.Counter(),
            RealismGate(
                prompts.judge_item,
                frozenset({"prompt"}),
                subject="prompt",
                instruction="Rewrite the prompt so it is realistic and has exactly one reading; keep its "
                "numbers and its answer unchanged.",
            ),
            ProbeGate(gates.TASK),
            gates.Gameability(),
            gates.Final(),
        ]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return items.validate(payload)

    async def draft(self, ctx: Context) -> Draft:
        topic = ctx.coordinate.get("topic", "arithmetic")
        difficulty = ctx.coordinate.get("difficulty", "medium")
        recent = (
            sorted(
                (e for e in ctx.corpus if e.text and e.candidate_id != ctx.candidate_id),
                key=lambda e: (e.run_id == ctx.run_id, e.index),
            )[-self.examples :]
            if self.examples
            else []
        )
        extra = {k: v for k, v in ctx.coordinate.items() if k not in ("topic", "difficulty")}
        messages = prompts.author(topic, difficulty, ctx.checklist, [e.text for e in recent], extra)
        reply = await ctx.call("author", messages, seed=ctx.seed, temperature=self.author_temperature)
        raw = extract_json(reply.text)
        if not isinstance(raw, dict) or not isinstance(raw.get("prompt"), str) or not raw["prompt"].strip():
            raise DraftError("author returned no usable item (no JSON object with a prompt)", [reply.receipt])
        payload = items.normalise(raw)
        payload.update(topic=topic, difficulty=difficulty)
        return Draft(payload=payload, receipts=[reply.receipt])

    async def repair(
        self, payload: dict[str, Any], instruction: str, ctx: Context
    ) -> tuple[dict[str, Any], list[Receipt]]:
        return await repair_by_model(
            payload, instruction, ctx, fields=items.FIELDS, messages=prompts.repair, normalise=items.normalise
        )

    async def attempt(
        self, payload: dict[str, Any], model: str, sample: int, seed: int, temperature: float, ctx: Context
    ) -> Attempt:
        reply = await ctx.call(
            "panel", prompts.solve(payload["prompt"]), model=model, sample=sample, seed=seed, temperature=temperature
        )
        verdict = items.grade(payload, reply.text)
        return Attempt(correct=verdict.ok, answer=verdict.parsed[:200], receipt=reply.receipt)

    def same_answer(self, payload: dict[str, Any], a: str, b: str) -> bool:
        """Two probe answers are one when the item's grader would treat them alike (domain.ambiguity)."""
        return equivalent(payload, a, b)

    def novelty_text(self, payload: dict[str, Any]) -> str:
        prompt = payload.get("prompt", "")
        return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)

    def render(self, payload: dict[str, Any]) -> str:
        kind = payload.get("answer_type", "?")
        answer = payload.get("answer")
        shown = json.dumps(answer, indent=2, sort_keys=True) if isinstance(answer, dict) else items.as_text(answer)
        if kind == "numeric":
            grading = (
                f"numeric, accepted within ± max({payload.get('tolerance', 0)}, "
                f"{payload.get('rel_tolerance', 0)} × |answer|)"
            )
        elif kind == "json":
            grading = f"JSON object; required keys: {json.dumps(payload.get('schema', {}), sort_keys=True)}"
        else:
            grading = "exact match (case and whitespace ignored)"
        parts = [
            f"**Topic:** {payload.get('topic', '?')} · **Requested difficulty:** {payload.get('difficulty', '?')}",
            f"### Task\n\n{payload.get('prompt', '')}",
            f"### Reference answer\n\n```\n{shown}\n```",
            f"**Grading:** {grading}",
        ]
        if payload.get("solution"):
            parts.append(f"### Worked solution\n\n{payload['solution']}")
        return "\n\n".join(parts)
