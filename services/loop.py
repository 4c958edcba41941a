"""The gated loop for one candidate, independent of where its facts are saved.

Services pass ``save`` = "write to the ledger"; the benchmark's bare loop passes a no-op, so both make
exactly the same model calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.llm import ModelError
from domain import facts as f
from domain.ambiguity import Split, split
from domain.candidate import Candidate
from domain.passk import band, outcome
from domain.spec import Spec
from recipes.base import Context, GateOutcome
from recipes.versions import gate_versions
from services.roles import sample_seed

Save = Callable[[], Awaitable[None]]


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


async def run_gates(candidate: Candidate, recipe: Any, ctx: Context, max_repairs: int, save: Save, log: Any) -> None:
    """Run gates in order until the candidate is queued, rejected, or waits for the probe."""
    order = [g.name for g in recipe.gates]
    gates = {g.name: g for g in recipe.gates}
    versions = gate_versions(recipe, ctx.spec)  # recorded on each result: which code and configuration judged
    while True:
        name = candidate.next_gate(order)
        if name is None:
            candidate.enqueue()
            await save()
            log.info("queued for review")
            return
        if name == recipe.probe_gate:
            candidate.request_probe(name)
            await save()
            return
        try:
            result: GateOutcome = await gates[name].check(candidate.payload, ctx)
        except ModelError as exc:
            candidate.fail_gate(name, str(exc), "", {}, [exc.receipt], versions[name])
            candidate.reject(name, f"model error: {exc}", cause="model_error")
            await save()
            log.warning("gate model failed", gate=name, error=str(exc))
            return
        if result.status == "pass":
            candidate.pass_gate(name, result.detail, result.receipts, versions[name])
            if result.receipts:
                await save()
            # else saved with the next fact: a pass that took no model call costs nothing to redo after a crash
            continue
        candidate.fail_gate(name, result.reason, result.instruction, result.detail, result.receipts, versions[name])
        if result.status == "fail" or not result.instruction:
            candidate.reject(name, result.reason, cause="unusable_output" if result.unusable_output else "")
        elif candidate.repairs >= max_repairs:
            candidate.reject(name, f"{result.reason} (still failing after {candidate.repairs} repairs)")
        else:
            await _repair(candidate, recipe, ctx, name, result, order, gates)
            await save()
            continue
        await save()
        log.info("rejected", gate=name, reason=candidate.rejection.reason if candidate.rejection else "")
        return


async def _repair(
    candidate: Candidate,
    recipe: Any,
    ctx: Context,
    name: str,
    result: GateOutcome,
    order: list[str],
    gates: dict[str, Any],
) -> None:
    try:
        payload, receipts = await recipe.repair(candidate.payload, result.instruction, ctx)
    except ModelError as exc:
        candidate.reject(name, f"repair failed: {exc}", cause="model_error")
        return
    diff = changed_fields(candidate.payload, payload)
    # Re-run the failing gate and every gate that reads a changed field; the rest stay passed.
    invalidated = [g for g in order if g == name or gates[g].reads & set(diff)]
    candidate.repair(
        f.Repaired(
            gate=name,
            instruction=result.instruction,
            payload=payload,
            diff=diff,
            invalidated=invalidated,
            attempt=candidate.repairs + 1,
            receipts=receipts,
        )
    )


async def run_probe(
    candidate: Candidate, recipe: Any, ctx: Context, spec: Spec, parallel: asyncio.Semaphore, save: Save, log: Any
) -> None:
    """n samples per panel model (each a distinct request), pass@k per model, then the band decides."""
    probe = spec.probe
    gate = recipe.probe_gate
    plan = spec.panel_plan()
    version = gate_versions(recipe, spec)[gate]

    async def one(model: str, sample: int) -> Any:
        async with parallel:
            seed = sample_seed(ctx.seed, ctx.index, model, sample)  # ctx.seed: the run's seed (services.probing)
            return await recipe.attempt(candidate.payload, model, sample, seed, probe.temperature, ctx)

    try:
        per_model = [await asyncio.gather(*(one(p.model, i) for i in range(p.n or 1))) for p in plan]
    except ModelError as exc:
        candidate.fail_gate(gate, str(exc), "", {}, [exc.receipt], version)
        candidate.reject(gate, f"model error: {exc}", cause="model_error")
        await save()
        return
    outcomes = [
        outcome(p.model, [a.correct for a in attempts], p.k or [], [a.answer for a in attempts])
        for p, attempts in zip(plan, per_model, strict=True)
    ]
    placed = band(outcomes, probe.easy_pass_at_1, probe.min_spread)
    found = _ambiguity(recipe, candidate.payload, outcomes, spec)
    candidate.record_probe(
        f.Probed(
            gate=gate,
            outcomes=outcomes,
            solve_rate=placed.solve_rate,
            passed_models=placed.passed_models,
            band=placed.name,
            in_band=placed.in_band,
            teeth=placed.teeth,
            suspect=placed.suspect,
            receipts=[r for attempts in per_model for a in attempts for r in a.receipts],
            clusters=found.clusters,
            ambiguous=found.ambiguous,
            ambiguity=found.reason,
        )
    )
    detail = {
        "band": placed.name,
        "solve_rate": placed.solve_rate,
        "passed_models": placed.passed_models,
        "teeth": placed.teeth,
        "suspect": placed.suspect,
        "ambiguous": found.ambiguous,
        "clusters": [
            {"answer": c.answer, "count": c.count, "share": c.share, "correct": c.correct} for c in found.clusters
        ],
    }
    if found.ambiguous:
        candidate.fail_gate(gate, found.reason, "", detail, [], version)
        candidate.reject(gate, found.reason)
    elif placed.in_band:
        candidate.pass_gate(gate, detail, [], version)
    else:
        reason = f"out of band: {placed.name}"
        if placed.suspect:
            reason += " (suspect: no panel model solved it at any k)"
        candidate.fail_gate(gate, reason, "", detail, [], version)
        candidate.reject(gate, reason)
    await save()
    log.info("probed", band=placed.name, solve_rate=placed.solve_rate, ambiguous=found.ambiguous)


def _ambiguity(recipe: Any, payload: dict[str, Any], outcomes: list[f.ModelOutcome], spec: Spec) -> Split:
    """The capable half's answer clusters, for recipes whose probe answers are answers (a ``same_answer(payload,
    a, b)`` hook says when two are one); a recipe whose ``Attempt.answer`` is a score leaves the hook out."""
    same = getattr(recipe, "same_answer", None)
    probe = spec.probe
    if same is None or not probe.ambiguity:
        return Split(False)
    return split(
        outcomes,
        lambda a, b: bool(same(payload, a, b)),
        min_support=probe.split_min_support,
        min_share=probe.split_min_share,
        min_coverage=probe.split_min_coverage,
        oracle_share=probe.oracle_min_share,
    )
