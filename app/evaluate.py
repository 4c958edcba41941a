"""Evaluate models on approved points: n distinct samples per (point, model), graded by the recipe's attempt.

Everything is checked and run in memory first; the Evaluation aggregate is saved once at the end, so bad
input or a failing model leaves the ledger untouched.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

import recipes
from adapters.llm import LLM, ModelError
from domain import facts as f
from domain.errors import SpecError
from domain.evaluation import Evaluation
from domain.passk import outcome
from domain.separability import pass_at_k_separability
from domain.spec import Models, Spec, spec_from_dict
from recipes.base import Attempt
from services.roles import context, stable_seed


class EvalInputError(ValueError):
    """Bad input to an evaluation: nothing was recorded."""


class EvalModelError(RuntimeError):
    """A model failed part-way through an evaluation: nothing was recorded."""


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


def parse_ks(text: str, n: int) -> list[int]:
    try:
        ks = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise EvalInputError(f"--k {text!r}: give comma-separated integers, e.g. 1,5") from None
    if not ks or ks[0] < 1:
        raise EvalInputError(f"--k {text!r}: each k must be at least 1")
    if ks[-1] > n:
        raise EvalInputError(f"--k {ks[-1]} is greater than --n {n}: pass@k needs at least k samples per item")
    return ks


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Points from a file written by `assay export`."""
    if not path.is_file():
        raise EvalInputError(f"dataset file not found: {path}")
    points = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            point = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(point, dict) or not all(
            isinstance(point.get(k), t) for k, t in (("candidate_id", str), ("recipe", str), ("payload", dict))
        ):
            raise EvalInputError(f"{path}:{number}: not an exported point (needs candidate_id, recipe, payload)")
        points.append(point)
    return points


def select(name: str, points: list[dict[str, Any]], specs: dict[str, str]) -> list[dict[str, Any]]:
    """Points of the dataset projection by spec name, run id (or unique prefix), or "all"; or a JSONL file."""
    path = Path(name)
    if path.suffix in (".jsonl", ".json") or path.is_file():
        chosen = load_jsonl(path)
    elif name == "all":
        chosen = points
    elif name in specs.values():
        chosen = [p for p in points if p["spec_name"] == name]
    else:
        runs = [r for r in specs if r == name] or [r for r in specs if len(name) >= 4 and r.startswith(name)]
        if len(runs) != 1:
            known = ", ".join(sorted(set(specs.values()))) or "none yet"
            what = "is ambiguous" if runs else "is not a spec name, a run id, 'all' or a JSONL file"
            raise EvalInputError(f"unknown dataset {name!r}: it {what}; known spec names: {known}")
        chosen = [p for p in points if p["run_id"] == runs[0]]
    if not chosen and path.suffix in (".jsonl", ".json"):
        raise EvalInputError(f"dataset file {path} holds no points")
    if not chosen:
        raise EvalInputError(f"dataset {name!r} has no approved points (approve some with `assay review ID --approve`)")
    ids = [p["candidate_id"] for p in chosen]
    if len(set(ids)) != len(ids):
        raise EvalInputError(f"dataset {name!r} lists a point more than once")
    return chosen


def check_recipe(name: str, points: list[dict[str, Any]], wanted: str | None) -> str:
    found = sorted({p["recipe"] for p in points})
    if len(found) > 1:
        raise EvalInputError(f"dataset {name!r} mixes recipes ({', '.join(found)}): evaluate one recipe at a time")
    if wanted is not None and wanted != found[0]:
        raise EvalInputError(f"dataset {name!r} holds {found[0]} points, not --recipe {wanted}")
    try:
        recipe = recipes.get(found[0])
    except SpecError as exc:
        raise EvalInputError(str(exc)) from None
    for p in points:
        if problems := recipe.validate(p["payload"]):
            raise EvalInputError(f"dataset {name!r}: point {p['candidate_id']}: {problems[0]}")
    return found[0]


def _specs(plan: Plan, run_specs: dict[str, dict[str, Any]]) -> dict[str, Spec]:
    """Each point's run spec when the ledger has it (roles such as a judge stay as configured), else a minimal one."""
    minimal = Spec(name=plan.dataset, recipe=plan.recipe, models=Models(author=plan.models[0], panel=plan.models))
    by_run = {run_id: spec_from_dict(spec) for run_id, spec in run_specs.items()}
    return {p["candidate_id"]: by_run.get(p.get("run_id", ""), minimal) for p in plan.points}


async def sample_all(
    plan: Plan, llm: LLM, run_specs: dict[str, dict[str, Any]]
) -> dict[tuple[str, str], list[Attempt]]:
    """Every (point, model)'s n attempts, each a distinct request; one preflight sample per model first."""
    limit = asyncio.Semaphore(plan.concurrency)
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
        pid = point["candidate_id"]
        async with limit:
            seed = stable_seed(plan.eval_id, pid, model, i)
            return await recipe_for(pid).attempt(point["payload"], model, i, seed, plan.temperature, ctxs[pid])

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
        done = await asyncio.gather(*(one(p, m, i) for p, m, i in jobs))
    except ModelError as exc:
        raise EvalModelError(f"{str(exc).splitlines()[0]}; nothing was recorded") from None
    out: dict[tuple[str, str], list[Attempt]] = {(first["candidate_id"], m): [a] for m, a in preflight.items()}
    for (p, m, _), attempt in zip(jobs, done, strict=True):
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
