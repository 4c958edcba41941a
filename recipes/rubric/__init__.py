"""Recipe "rubric": a writing prompt, a captured output (one model's response) and a rubric of atomic criteria.

The gates verify the rubric: every row one yes/no check answerable from the output (atomicity), no two rows
checking the same thing and every required type covered (mece), a good output scored above deliberately
flawed ones (discriminating), and independent judges answering each row alike (agreement).

Payload: prompt, output, criteria (rows of domain.rubric.Criterion: text, type, polarity, criticality,
split_from), topic and difficulty (the coordinate).
Options (spec [recipe_options]): ``gate_cap`` (score cap when a gate row fails, 0.0); ``pass_score`` (a probe
answer passes when its rubric total reaches it, 0.75); ``agreement`` ("raw" or "kappa") and
``agreement_threshold`` (default 0.8 raw, 0.6 kappa); ``overlap_threshold`` (lexical similarity above which two
rows overlap, 0.6); ``require_types`` (all four); ``flawed_outputs`` (3); ``author_temperature`` (1.0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import recipes
from domain.errors import SpecError
from domain.facts import Receipt
from domain.graders import extract_json
from domain.rubric import TYPES, score
from recipes.base import Attempt, Context, Draft, DraftError, Gate
from recipes.rubric import gates, graded, items, prompts
from recipes.rubric import render as view
from recipes.shared_gates import NoveltyGate, ProbeGate, RealismGate, repair_by_model

THRESHOLDS = {"raw": 0.8, "kappa": 0.6}


@recipes.register("rubric")
class Rubric:
    name = "rubric"
    probe_gate = "difficulty"

    def __init__(
        self,
        gate_cap: float = 0.0,
        pass_score: float = 0.75,
        agreement: str = "raw",
        agreement_threshold: float | None = None,
        overlap_threshold: float = 0.6,
        require_types: Sequence[str] = TYPES,
        flawed_outputs: int = 3,
        author_temperature: float = 1.0,
    ) -> None:
        if agreement not in THRESHOLDS:
            raise SpecError(f"recipe_options: agreement must be 'raw' or 'kappa' (got {agreement!r})")
        unknown = [t for t in require_types if t not in TYPES]
        if unknown or not require_types:
            raise SpecError(f"recipe_options: require_types must name some of {', '.join(TYPES)} (got {unknown})")
        if flawed_outputs < 1:
            raise SpecError(f"recipe_options: flawed_outputs must be at least 1 (got {flawed_outputs})")
        self.gate_cap, self.pass_score, self.agreement = gate_cap, pass_score, agreement
        self.agreement_threshold = THRESHOLDS[agreement] if agreement_threshold is None else agreement_threshold
        self.overlap_threshold, self.require_types = overlap_threshold, tuple(require_types)
        self.flawed_outputs, self.author_temperature = flawed_outputs, author_temperature
        self.gates: list[Gate] = [
            gates.Construct(self.require_types),
            NoveltyGate(self.novelty_text, frozenset({"prompt"})),
            gates.Atomicity(),
            gates.Mece(overlap_threshold, self.require_types),
            graded.Discriminating(flawed_outputs, gate_cap),
            graded.Agreement(agreement, self.agreement_threshold, flawed_outputs, gate_cap),
            RealismGate(
                prompts.realism,
                frozenset({"prompt"}),
                subject="prompt",
                instruction="Remove anything contrived or implausible; keep the task's facts and its "
                "requirement lines unchanged.",
            ),
            ProbeGate(graded.TASK),
            gates.Final(self.require_types),
        ]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return items.validate(payload)

    async def draft(self, ctx: Context) -> Draft:
        topic = ctx.coordinate.get("topic", "support reply")
        difficulty = ctx.coordinate.get("difficulty", "medium")
        extra = {k: v for k, v in ctx.coordinate.items() if k not in ("topic", "difficulty")}
        messages = prompts.author(topic, difficulty, ctx.checklist, extra)
        reply = await ctx.call("author", messages, seed=ctx.seed, temperature=self.author_temperature)
        raw = extract_json(reply.text)
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("prompt"), str)
            or not raw["prompt"].strip()
            or not isinstance(raw.get("criteria"), list)
        ):
            raise DraftError(
                "author returned no usable item (no JSON object with a prompt and criteria)", [reply.receipt]
            )
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
        """The solver answers the prompt; the spec's judge scores the answer with the rubric."""
        reply = await ctx.call(
            "panel", prompts.solve(payload["prompt"]), model=model, sample=sample, seed=seed, temperature=temperature
        )
        criteria = items.rubric(payload)
        present, judged = await graded.grade(ctx, None, payload["prompt"], reply.text, criteria, seed=seed)
        if present is None:  # the judge failed, not the solver: counted as unsolved, and said so
            return Attempt(False, "unscored (judge reply unusable)", reply.receipt, [judged])
        total = score(criteria, present, self.gate_cap).total
        return Attempt(total >= self.pass_score, f"{total:.2f}", reply.receipt, [judged])

    def novelty_text(self, payload: dict[str, Any]) -> str:
        prompt = payload.get("prompt", "")
        return prompt if isinstance(prompt, str) else str(prompt)

    def render(self, payload: dict[str, Any]) -> str:
        return view.render(payload)

    def render_results(self, payload: dict[str, Any], details: dict[str, dict[str, Any]]) -> str:
        return view.render_results(payload, details)
