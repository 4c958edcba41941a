"""`assay eval` (models over a dataset of approved points) and `assay report` (pass@k, separability, spread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, money, print_json
from cli.root import app
from cli.session import session


def _ci(c: dict[str, float], places: int = 3) -> str:
    return f"{c['mean']:.{places}f} [{c['lo']:.{places}f}, {c['hi']:.{places}f}]"


def _separability_line(seps: dict[str, Any]) -> str:
    if all(s["n_pairs"] == 0 for s in seps.values()):
        return "n/a (it compares two or more models)"
    return "; ".join(f"pass@{k} {s['fraction']:.2f} ({s['separated']}/{s['n_pairs']} pairs)" for k, s in seps.items())


def _run_specs(ledger: Any, points: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The recorded spec of each run the points came from (runs not in this ledger are left out)."""
    from adapters.ledger import find
    from domain.ids import run_uuid

    runs = {run_id: find(ledger, run_uuid(run_id)) for run_id in {p["run_id"] for p in points if p.get("run_id")}}
    return {run_id: run.spec for run_id, run in runs.items() if run is not None}


@app.command("eval")
def eval_(
    dataset: str = typer.Option(..., "--dataset", help="A spec name, a run id, 'all', or a JSONL file from export."),
    models: list[str] = typer.Option(..., "--model", "-m", help="A litellm model name; repeat for more models."),
    ks: str = typer.Option("1", "--k", help="Comma-separated k values for pass@k, each at most --n."),
    n: int = typer.Option(10, "--n", help="Samples per (point, model), each a distinct request."),
    recipe: str = typer.Option(None, "--recipe", help="Require the dataset's points to be of this recipe."),
    temperature: float = typer.Option(0.8, "--temperature", help="Sampling temperature."),
    concurrency: int = typer.Option(16, "--concurrency", help="Model requests in flight at once."),
    as_json: bool = JSON_OPT,
) -> None:
    """Run models over approved points: pass@k per model with 95% bootstrap CIs, recorded in the ledger."""
    import asyncio
    from uuid import uuid4

    from adapters.llm import LLM
    from adapters.views import catch_up
    from app import evaluate as ev
    from projections.dataset import Dataset

    if n < 1 or concurrency < 1 or temperature < 0:
        raise UserError("--n and --concurrency must be at least 1 and --temperature at least 0")
    if len(set(models)) != len(models):
        raise UserError(f"--model given twice: {', '.join(sorted({m for m in models if models.count(m) > 1}))}")
    with session() as (ledger, tracking):
        try:
            k_values = ev.parse_ks(ks, n)
            view = catch_up(ledger, tracking, Dataset)
            points = ev.select(dataset, view.points(), view.specs)
            plan = ev.Plan(
                eval_id=uuid4().hex[:12],
                dataset=dataset,
                recipe=ev.check_recipe(dataset, points, recipe),
                models=list(models),
                n=n,
                ks=k_values,
                points=points,
                temperature=temperature,
                concurrency=concurrency,
            )
            attempts = asyncio.run(ev.sample_all(plan, LLM(), _run_specs(ledger, points)))
        except ev.EvalInputError as exc:
            raise UserError(str(exc)) from None
        except ev.EvalModelError as exc:
            raise UserError(str(exc), exit_code=3) from None
        evaluation = ev.build(plan, attempts)
        ledger.save(evaluation)
    assert evaluation.completed is not None  # ev.build completes it
    summary = evaluation.completed.summary
    flows = _step_profiles(evaluation, plan.models, k_values)
    if as_json:
        from app.report.flows import profile_dict

        print_json(
            {
                "eval_id": plan.eval_id,
                "dataset": dataset,
                "recipe": plan.recipe,
                "models": plan.models,
                "n": n,
                "ks": k_values,
                **summary,
                "flows": {p.model: profile_dict(p) for p in flows},
            }
        )
        return
    table = make_table(
        f"Evaluation {plan.eval_id}: {dataset} ({plan.recipe}), {len(points)} points, n={n}",
        "model " + " ".join(f"pass@{k}_[95%_CI]" for k in k_values) + " correct",
        wrap="model",
        right=" ".join(f"pass@{k}_[95%_CI]" for k in k_values) + " correct",
    )
    for m in plan.models:
        row = summary["models"][m]
        add_row(table, m, *(_ci(row["pass_at_k"][str(k)], 2) for k in k_values), f"{row['correct']}/{row['samples']}")
    console = Console()
    console.print(table)
    console.print(f"separability with confidence: {_separability_line(summary['separability'])}", markup=False)
    if flows:
        from app.report.flow_text import print_profiles

        print_profiles(flows, console)
    spend = money(sum(r["cost_usd"] for r in summary["models"].values()))
    console.print(
        f"eval {plan.eval_id} recorded ({spend}); report it with: assay report --eval {plan.eval_id}", markup=False
    )


def _step_profiles(evaluation: Any, models: list[str], ks: list[int]) -> list[Any]:
    """Agent flows: the per-step pass@k profile of each model (empty for other datasets)."""
    from app.report.flows import profiles

    rows: dict[str, list[tuple[str, int, int, int]]] = {m: [] for m in models}
    for item in evaluation.results.values():
        rows[item.model].append((item.step, item.step_index, item.n, item.c))
    return profiles(models, rows, ks)


def _chosen(view: Any, eval_ids: list[str] | None, dataset: str | None) -> list[dict[str, Any]]:
    if eval_ids and dataset:
        raise UserError("give --eval or --dataset, not both")
    if dataset:
        chosen = [e for e in view.rows() if e["completed"] and e["dataset"] == dataset]
        if not chosen:
            raise UserError(f"no completed evaluation of dataset {dataset!r}")
        return chosen
    if not eval_ids:
        latest = view.latest()
        if latest is None:
            raise UserError("no completed evaluation yet: run `assay eval --dataset NAME --model M` first")
        return [latest]
    chosen = []
    for text in eval_ids:
        found = view.find(text)
        if len(found) != 1:
            raise UserError(f"{'ambiguous' if found else 'unknown'} evaluation id {text!r}")
        if not found[0]["completed"]:
            raise UserError(f"evaluation {found[0]['eval_id']} is not complete")
        chosen += [e for e in found if e not in chosen]
    return chosen


@app.command()
def report(
    eval_ids: list[str] = typer.Option(None, "--eval", help="Evaluation id (or prefix); repeat to pool several."),
    dataset: str = typer.Option(None, "--dataset", help="Pool every completed evaluation of this dataset."),
    output: Path = typer.Option(Path("assay-report"), "--output", "-o", help="Directory for report.html/.json."),
    as_json: bool = JSON_OPT,
) -> None:
    """pass@k with CIs, separability with confidence, the pairwise table and the difficulty distribution."""
    from adapters.views import catch_up
    from app.report import ReportError, build_report, write
    from projections.dataset import Dataset
    from projections.evaluations import Evaluations

    with session() as (ledger, tracking):
        evals = _chosen(catch_up(ledger, tracking, Evaluations), eval_ids, dataset)
        probes = {p["candidate_id"]: p["difficulty"] for p in catch_up(ledger, tracking, Dataset).points()}
    try:
        built = build_report(evals, probes)
        html_path, json_path = write(built, output)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the report to {output}: {exc.strerror or exc}") from None
    d = built.data
    if as_json:
        print_json(d)
        return
    console = Console()
    console.print(
        f"report on {', '.join(d['evaluations'])} (dataset {', '.join(d['datasets'])}): "
        f"{len(d['models'])} model{'s' * (len(d['models']) != 1)}, {d['n_items']} items",
        markup=False,
    )
    for m in d["models"]:
        console.print(f"  {m}: " + "  ".join(f"pass@{k} {_ci(c)}" for k, c in d["pass_at_k"][m].items()), markup=False)
    console.print(f"separability with confidence: {_separability_line(d['separability'])}", markup=False)
    console.print(f"wrote {html_path} and {json_path}", markup=False)
