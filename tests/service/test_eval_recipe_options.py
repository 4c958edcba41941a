"""`assay eval` builds each point's recipe with the options its run recorded, not the recipe's defaults."""

from __future__ import annotations

from typing import Any

import pytest

import recipes
from adapters.llm import LLM
from app.evaluate import Plan, sample_all
from domain.spec import Models, Spec, spec_to_dict
from recipes.base import Attempt
from recipes.shared_gates import ProbeGate


class Strict:
    """A recipe whose grading depends on an option: with ``strict`` nothing passes."""

    name, probe_gate = "strict_probe", "difficulty"

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.gates = [ProbeGate(frozenset({"prompt"})), _Final()]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return []

    async def draft(self, ctx: Any) -> Any: ...

    async def repair(self, payload: dict[str, Any], instruction: str, ctx: Any) -> Any: ...

    async def attempt(
        self, payload: dict[str, Any], model: str, sample: int, seed: int, temperature: float, ctx: Any
    ) -> Attempt:
        reply = await ctx.call(
            "panel",
            [{"role": "user", "content": payload["prompt"]}],
            model=model,
            sample=sample,
            seed=seed,
            temperature=temperature,
        )
        return Attempt(correct=not self.strict, answer=reply.text[:20], receipt=reply.receipt)

    def novelty_text(self, payload: dict[str, Any]) -> str:
        return payload["prompt"]

    def render(self, payload: dict[str, Any]) -> str:
        return payload["prompt"]


class _Final:
    name, reads = "final", frozenset({"prompt"})

    async def check(self, payload: dict[str, Any], ctx: Any) -> Any: ...


@pytest.mark.parametrize(("options", "passes"), [({}, True), ({"strict": True}, False)])
async def test_points_are_graded_as_their_run_configured_the_recipe(
    monkeypatch: pytest.MonkeyPatch, options: dict[str, Any], passes: bool
) -> None:
    monkeypatch.setitem(recipes._FACTORIES, "strict_probe", Strict)
    spec = Spec(
        name="s",
        recipe="strict_probe",
        models=Models(author="local/author", panel=["local/solver-mid"]),
        recipe_options=options,
    )
    points = [
        {"candidate_id": f"c{i}", "run_id": "r1", "recipe": "strict_probe", "payload": {"prompt": f"task {i}"}}
        for i in range(2)
    ]
    plan = Plan(
        eval_id="e1", dataset="s", recipe="strict_probe", models=["local/solver-mid"], n=2, ks=[1], points=points
    )
    got = await sample_all(plan, LLM(), {"r1": spec_to_dict(spec)})
    assert len(got) == 2 and all(a.correct is passes for attempts in got.values() for a in attempts)
