"""A small in-test driver for the recipe tests: litellm -> the "local" panel provider -> recipe -> graders.

``run`` drafts items, then takes each draft through the recipe's gates in order with bounded repair
(re-running every gate that reads a changed field), and probes with ``attempt`` n times per panel model,
as the services do. Everything that happens is kept on a ``Trace`` for the tests to check.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import recipes
from adapters.llm import LLM, load_litellm
from domain.coordinates import coordinates
from domain.passk import band, outcome
from domain.spec import Spec
from recipes.base import Context, CorpusEntry, DraftError, Recipe
from services import roles
from services.roles import stable_seed as seed

__all__ = ["Trace", "context", "run", "seed", "tally"]


def context(spec: Spec, index: int, corpus: list[CorpusEntry], run_id: str = "run-1") -> Context:
    """The Context for item ``index`` of a run: its coordinate and seed, and a RoleCaller on a fresh LLM."""
    coord = coordinates(spec.axis_table(), spec.seed, index + 1)[index]
    return roles.context(
        LLM(),
        spec,
        run_id=run_id,
        candidate_id=f"{run_id}-{index}",
        index=index,
        coordinate=coord,
        seed=seed(run_id, index),
        corpus=corpus,
    )


@dataclass
class Trace:
    """What happened to one item: gate events and details, its probe results, costs and final status."""

    coordinate: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (gate, status, reason)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)  # gate -> its latest detail
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (gate, detail) of every check
    status: str = ""  # failed_draft | rejected:<gate> | queued
    band: str = ""
    correct: dict[str, int] = field(default_factory=dict)  # panel model -> correct samples
    costs: list[float] = field(default_factory=list)  # of every model call
    payload: dict[str, Any] = field(default_factory=dict)  # as it last went through a gate


async def probe(recipe: Recipe, payload: dict[str, Any], ctx: Context, trace: Trace, *, check_seeds: bool) -> bool:
    """``attempt`` n times per panel model; records the band and returns whether the item is in band."""
    outcomes = []
    for model in ctx.spec.models.panel:
        tries = await asyncio.gather(
            *(
                recipe.attempt(payload, model, i, seed(ctx.candidate_id, model, i), ctx.spec.probe.temperature, ctx)
                for i in range(ctx.spec.probe.n)
            )
        )
        if check_seeds:
            assert len({a.receipt.seed for a in tries}) == len(tries)  # each sample is a distinct request
        trace.costs += [a.receipt.cost_usd for a in tries]
        trace.correct[model] = sum(a.correct for a in tries)
        outcomes.append(outcome(model, [a.correct for a in tries], ctx.spec.probe.k))
    placed = band(outcomes, ctx.spec.probe.easy_pass_at_1, ctx.spec.probe.min_spread)
    trace.band = placed.name
    return placed.in_band


async def gate_loop(
    recipe: Recipe, payload: dict[str, Any], ctx: Context, trace: Trace, *, reject_out_of_band: bool, check_seeds: bool
) -> None:
    """Gates in order with bounded repair. The probe gate's verdict is an event; it rejects an out-of-band
    item only with ``reject_out_of_band`` (as the services do), else the gates after it see every draft."""
    gates = {g.name: g for g in recipe.gates}
    passed: list[str] = []
    repairs = 0
    while (name := next((g for g in gates if g not in passed), None)) is not None:
        trace.payload = payload
        if name == recipe.probe_gate:
            in_band = await probe(recipe, payload, ctx, trace, check_seeds=check_seeds)
            trace.events.append((name, "pass" if in_band else "fail", "" if in_band else f"out of band: {trace.band}"))
            if not in_band and reject_out_of_band:
                trace.status = f"rejected:{name}"
                return
            passed.append(name)
            continue
        result = await gates[name].check(payload, ctx)
        trace.events.append((name, result.status, result.reason))
        trace.details[name] = result.detail
        trace.history.append((name, result.detail))
        trace.costs += [r.cost_usd for r in result.receipts]
        if result.status == "pass":
            passed.append(name)
            continue
        if result.status == "fail" or repairs >= ctx.spec.gates.max_repairs:
            trace.status = f"rejected:{name}"
            return
        fixed, receipts = await recipe.repair(payload, result.instruction, ctx)
        trace.costs += [r.cost_usd for r in receipts]
        changed = {k for k in set(fixed) | set(payload) if fixed.get(k) != payload.get(k)}
        passed = [g for g in passed if g != name and not gates[g].reads & changed]
        payload, repairs = fixed, repairs + 1
    trace.status = "queued"


async def run(
    spec: Spec,
    count: int,
    *,
    reject_out_of_band: bool = False,
    check_seeds: bool = True,
    check_draft: Callable[[Context, dict[str, Any]], None] | None = None,
) -> list[Trace]:
    """Draft and gate items 0..count-1 of one run of ``spec``; ``check_draft`` sees each fresh draft."""
    load_litellm()
    recipe: Recipe = recipes.get(spec.recipe, **spec.recipe_options)
    corpus: list[CorpusEntry] = []
    traces = []
    for index in range(count):
        ctx = context(spec, index, corpus)
        trace = Trace(coordinate=dict(ctx.coordinate))
        traces.append(trace)
        try:
            draft = await recipe.draft(ctx)
        except DraftError as exc:
            trace.status, trace.costs = "failed_draft", [r.cost_usd for r in exc.receipts]
            continue
        trace.costs += [r.cost_usd for r in draft.receipts]
        if check_draft is not None:
            check_draft(ctx, draft.payload)
        corpus.append(CorpusEntry(ctx.candidate_id, ctx.run_id, index, recipe.novelty_text(draft.payload), "drafting"))
        ctx.corpus = list(corpus)  # includes this candidate itself: the novelty gate must skip it
        await gate_loop(
            recipe, draft.payload, ctx, trace, reject_out_of_band=reject_out_of_band, check_seeds=check_seeds
        )
    return traces


def tally(traces: list[Trace]) -> dict[str, Counter[str]]:
    """Gate -> how often each status came up across all the traces' events."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for t in traces:
        for gate, status, _ in t.events:
            seen[gate][status] += 1
    return seen
