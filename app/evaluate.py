"""Evaluate models on approved points: n distinct samples per (point, model), graded by the recipe's attempt.

Everything is checked and run in memory first; the Evaluation aggregate is saved once at the end, so bad
input or a failing model leaves the ledger untouched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import msgspec

import recipes
from adapters.ledger import AssayLedger, find
from adapters.llm import LLM, ModelError
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app.datasets import check_recipe, select
from app.report.flows import evaluation_profiles
from domain import bounds
from domain import facts as f
from domain.errors import InvalidInput
from domain.evaluation import Evaluation
from domain.flows import FlowProfile
from domain.ids import run_uuid
from domain.passk import outcome
from domain.separability import pass_at_k_separability
from domain.spec import Models, Spec, spec_from_dict
from projections.dataset import Dataset
from recipes.base import Attempt
from services.roles import context, stable_seed

Progress = Callable[[int, int], None]
"""Told (done, total) samples as an evaluation samples; the CLI draws a bar with it, so app/ stays free of rich."""


class EvalInputError(InvalidInput):
    """Bad input to an evaluation: nothing was recorded. (A bad dataset is an ``app.datasets.DatasetError``.)"""


class EvalModelError(RuntimeError):
    """A model failed part-way through an evaluation: nothing was recorded. Not an input error: the CLI exits 3."""


@dataclass(frozen=True)
class Plan:
    eval_id: str
    dataset: str  # as the user named it: spec name, run id, "all" or a file path
    recipe: str
    models: list[str]
    n: int
    ks: list[int]
    points: list[dict[str, Any]]  # approved points as `assay export` writes them
    temperature: float = 0.8
    concurrency: int = 16


@dataclass(frozen=True)
class Ran:
    """A recorded evaluation: its plan, its summary (``summarise``) and each model's per-step profile (agent flows)."""

    plan: Plan
    summary: dict[str, Any]
    flows: list[FlowProfile]


def check_options(models: list[str], n: int, temperature: float, concurrency: int) -> None:
    """Refuse sampling settings no evaluation can use (cheap: callers may check before opening the ledger)."""
    for name, value, bound in (
        ("--n", n, bounds.SAMPLES),
        ("--temperature", temperature, bounds.TEMPERATURE),
        ("--concurrency", concurrency, bounds.CONCURRENCY),
    ):
        if not bound.holds(value):
            raise EvalInputError(bounds.out_of_range(name, value, bound))
    if len(set(models)) != len(models):
        raise EvalInputError(f"--model given twice: {', '.join(sorted({m for m in models if models.count(m) > 1}))}")


def parse_ks(text: str, n: int) -> list[int]:
    """The k values of a comma-separated ``--k``, sorted and distinct, each in 1..n."""
    try:
        ks = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise EvalInputError(f"--k {text!r}: give comma-separated integers, e.g. 1,5") from None
    if not ks or ks[0] < 1:
        raise EvalInputError(f"--k {text!r}: each k must be at least 1")
    if ks[-1] > n:
        raise EvalInputError(f"--k {ks[-1]} is greater than --n {n}: pass@k needs at least k samples per item")
    return ks


def run(
    ledger: AssayLedger,
    tracking: TrackingStore,
    dataset: str,
    models: list[str],
    ks: str = "1",
    n: int = 10,
    recipe: str | None = None,
    temperature: float = 0.8,
    concurrency: int = 16,
    llm: LLM | None = None,
    progress: Progress | None = None,
) -> Ran:
    """Sample each model n times on every approved point of ``dataset``, grade, and save the Evaluation once (blocking).
    Bad input (``InvalidInput``) or a model failing part-way (``EvalModelError``) records nothing. ``progress``
    is called with (done, total) after each sample (see ``sample_all``)."""
    check_options(models, n, temperature, concurrency)
    k_values = parse_ks(ks, n)
    view = catch_up(ledger, tracking, Dataset)
    points = select(dataset, view.points(), view.specs)
    plan = Plan(
        eval_id=uuid4().hex[:12],
        dataset=dataset,
        recipe=check_recipe(dataset, points, recipe),
        models=list(models),
        n=n,
        ks=k_values,
        points=points,
        temperature=temperature,
        concurrency=concurrency,
    )
    attempts = asyncio.run(sample_all(plan, llm or LLM(), run_specs(ledger, points), progress))
    evaluation = build(plan, attempts)
    ledger.save(evaluation)
    assert evaluation.completed is not None  # build() completes it
    return Ran(plan, evaluation.completed.summary, evaluation_profiles(evaluation, plan.models, k_values))


def run_specs(ledger: AssayLedger, points: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The recorded spec of each run the points came from (runs not in this ledger are left out)."""
    runs = {run_id: find(ledger, run_uuid(run_id)) for run_id in {p["run_id"] for p in points if p.get("run_id")}}
    return {run_id: run.spec for run_id, run in runs.items() if run is not None}


def _specs(plan: Plan, run_specs: dict[str, dict[str, Any]]) -> dict[str, Spec]:
    """Each point's run spec when the ledger has it (roles such as a judge stay as configured), else a minimal one."""
    minimal = Spec(name=plan.dataset, recipe=plan.recipe, models=Models(author=plan.models[0], panel=plan.models))
    by_run = {run_id: spec_from_dict(spec) for run_id, spec in run_specs.items()}
    return {p["candidate_id"]: by_run.get(p.get("run_id", ""), minimal) for p in plan.points}


async def sample_all(
    plan: Plan, llm: LLM, run_specs: dict[str, dict[str, Any]], progress: Progress | None = None
) -> dict[tuple[str, str], list[Attempt]]:
    """Every (point, model)'s n attempts, each a distinct request; one preflight sample per model first.
    ``progress(done, total)`` is called once after each sample completes (the preflight's included), so on success
    its last call has done == total == points x models x n."""
    limit = asyncio.Semaphore(plan.concurrency)
    total = len(plan.points) * len(plan.models) * plan.n
    done = 0
    specs = _specs(plan, run_specs)
    built: dict[str, Any] = {}

    def recipe_for(pid: str) -> Any:
        """The recipe as the point's run configured it (e.g. the rubric's pass_score), built once per setting."""
        options = specs[pid].recipe_options if specs[pid].recipe == plan.recipe else {}
        key = json.dumps(options, sort_keys=True, default=str)
        if key not in built:
            built[key] = recipes.get(plan.recipe, **options)
        return built[key]

    ctxs = {
        p["candidate_id"]: context(
            llm,
            specs[p["candidate_id"]],
            run_id=plan.eval_id,
            candidate_id=p["candidate_id"],
            index=i,
            coordinate=p.get("coordinate") or {},
            seed=stable_seed(plan.eval_id, p["candidate_id"]),
        )
        for i, p in enumerate(plan.points)
    }

    async def one(point: dict[str, Any], model: str, i: int) -> Attempt:
        nonlocal done
        pid = point["candidate_id"]
        async with limit:
            seed = stable_seed(plan.eval_id, pid, model, i)
            got = await recipe_for(pid).attempt(point["payload"], model, i, seed, plan.temperature, ctxs[pid])
        # One event loop runs every sample, so counting here needs no lock.
        done += 1
        if progress is not None:
            progress(done, total)
        return got

    first = plan.points[0]
    pre = await asyncio.gather(*(one(first, m, 0) for m in plan.models), return_exceptions=True)
    preflight: dict[str, Attempt] = {}
    for model, result in zip(plan.models, pre, strict=True):
        if isinstance(result, ModelError):
            reason = str(result).splitlines()[0].split(" failed: ", 1)[-1]
            raise EvalInputError(f"model {model!r} is unusable (a one-sample preflight failed): {reason}")
        if isinstance(result, BaseException):
            raise result
        preflight[model] = result
    jobs = [(p, m, i) for p in plan.points for m in plan.models for i in range(plan.n) if not (p is first and i == 0)]
    try:
        sampled = await asyncio.gather(*(one(p, m, i) for p, m, i in jobs))
    except ModelError as exc:
        raise EvalModelError(f"{str(exc).splitlines()[0]}; nothing was recorded") from None
    out: dict[tuple[str, str], list[Attempt]] = {(first["candidate_id"], m): [a] for m, a in preflight.items()}
    for (p, m, _), attempt in zip(jobs, sampled, strict=True):
        out.setdefault((p["candidate_id"], m), []).append(attempt)
    return out


def summarise(plan: Plan, items: list[f.ItemEvaluated], n_boot: int = 1000) -> dict[str, Any]:
    """Per-model totals and pass@k with 95% bootstrap CIs, and separability per k."""
    counts = {m: [(r.n, r.c) for r in items if r.model == m] for m in plan.models}
    by_k = pass_at_k_separability(counts, plan.ks, n_boot=n_boot)
    models = {}
    for m in plan.models:
        rows = [r for r in items if r.model == m]
        models[m] = {
            "samples": sum(r.n for r in rows),
            "correct": sum(r.c for r in rows),
            "cost_usd": round(sum(x.cost_usd for r in rows for x in r.receipts), 10),
            "pass_at_k": {k: vars(sep.models[m]) for k, sep in by_k.items()},
        }
    seps = {k: {key: v for key, v in sep.to_dict().items() if key != "models"} for k, sep in by_k.items()}
    return {"items": len(plan.points), "n_boot": n_boot, "alpha": 0.05, "models": models, "separability": seps}


def _index(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def build(plan: Plan, attempts: dict[tuple[str, str], list[Attempt]]) -> Evaluation:
    """The Evaluation aggregate with every result and the summary, not yet saved."""
    agg = Evaluation.start(
        f.EvaluationStarted(
            eval_id=plan.eval_id,
            dataset=plan.dataset,
            recipe=plan.recipe,
            models=list(plan.models),
            n=plan.n,
            ks=list(plan.ks),
            points=[p["candidate_id"] for p in plan.points],
            temperature=plan.temperature,
        )
    )
    items = []
    for p in plan.points:
        payload = p["payload"]
        for m in plan.models:
            got = attempts[(p["candidate_id"], m)]
            o = outcome(m, [a.correct for a in got], plan.ks)
            item = f.ItemEvaluated(
                point_id=p["candidate_id"],
                model=m,
                n=o.n,
                c=o.c,
                pass_at_k=o.pass_at_k,
                passed_samples=o.passed_samples,
                step=str(payload.get("step") or ""),
                step_index=_index(payload.get("step_index")),
                receipts=[r for a in got for r in a.receipts],
            )
            agg.record(item)
            items.append(item)
    agg.complete(msgspec.to_builtins(summarise(plan, items)))
    return agg
