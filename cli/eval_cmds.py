"""`assay eval` (models over a dataset of approved points) and `assay report` (pass@k, separability, spread)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from cli.bounds import ranged
from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, money, print_json
from cli.root import app
from cli.running import PREFLIGHT_OPT_HELP, interruptible
from cli.session import session
from domain import bounds as b


def _ci(c: dict[str, float], places: int = 3) -> str:
    return f"{c['mean']:.{places}f} [{c['lo']:.{places}f}, {c['hi']:.{places}f}]"


def _separability_line(seps: dict[str, Any]) -> str:
    if all(s["n_pairs"] == 0 for s in seps.values()):
        return "n/a (it compares two or more models)"
    return "; ".join(f"pass@{k} {s['fraction']:.2f} ({s['separated']}/{s['n_pairs']} pairs)" for k, s in seps.items())


def print_separability(console: Console, seps: dict[str, Any]) -> None:
    """Separability (pairs whose per-model CIs do not overlap: the score) and, labelled apart, the paired test."""
    console.print(
        f"separability with confidence (pairs whose per-model 95% CIs do not overlap): {_separability_line(seps)}",
        markup=False,
    )
    paired = _paired_line(seps)
    if paired is not None:
        console.print(f"paired test (pairs whose paired-difference 95% CI excludes 0): {paired}", markup=False)


def _paired_line(seps: dict[str, Any]) -> str | None:
    """The paired test's count per k (pairs whose paired-difference CI excludes 0), or None without pairs."""
    if all(s["n_pairs"] == 0 for s in seps.values()) or any("paired_differs" not in s for s in seps.values()):
        return None
    return "; ".join(f"pass@{k} {s['paired_differs']}/{s['n_pairs']} pairs" for k, s in seps.items())


@contextmanager
def _sample_bar(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr advanced by ``app.evaluate``'s (done, total) callback; shown only when stderr is a
    terminal (and not with --json), so piped output and logs stay clean. It appears with the first sample (bad
    input fails before any, with no bar) and stays on screen once done, like `assay run`'s."""
    err = Console(stderr=True)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    bar = Progress(*columns, console=err, disable=not (enabled and err.is_terminal), transient=False)
    task = bar.add_task("eval samples", total=None, start=False)
    started = False

    def tick(done: int, total: int) -> None:
        nonlocal started
        if not started:
            bar.start_task(task)  # the elapsed time counts from the first sample
        bar.update(task, completed=done, total=total)
        if not started:
            started = True
            bar.start()

    try:
        yield tick
    finally:
        if started:
            bar.stop()


@app.command("eval")
def eval_(
    dataset: str = typer.Option(..., "--dataset", help="A spec name, a run id, 'all', or a JSONL file from export."),
    models: list[str] = typer.Option(..., "--model", "-m", help="A litellm model name; repeat for more models."),
    ks: str = typer.Option("1", "--k", help="Comma-separated k values for pass@k, each in 1..--n."),
    n: int = ranged(10, "--n", b.SAMPLES, "Samples per (point, model), each a distinct request."),
    recipe: str = typer.Option(None, "--recipe", help="Require the dataset's points to be of this recipe."),
    temperature: float = ranged(0.8, "--temperature", b.TEMPERATURE, "Sampling temperature."),
    concurrency: int = ranged(16, "--concurrency", b.CONCURRENCY, "Model requests in flight at once."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help=PREFLIGHT_OPT_HELP),
    as_json: bool = JSON_OPT,
) -> None:
    """Run models over approved points: pass@k per model with 95% bootstrap CIs, recorded in the ledger."""
    from app import evaluate as ev
    from app.models import check_plain, refuse_unready

    ev.check_options(models, n, temperature, concurrency)  # before the ledger is opened
    with interruptible("nothing was recorded (an evaluation is recorded whole, once every sample is in)"):
        refuse_unready(check_plain(models, call=not no_preflight))
        with session() as (ledger, tracking), _sample_bar(enabled=not as_json) as tick:
            try:
                ran = ev.run(ledger, tracking, dataset, models, ks, n, recipe, temperature, concurrency, progress=tick)
            except ev.EvalModelError as exc:
                raise UserError(str(exc), exit_code=3) from None
    plan, summary, flows, k_values = ran.plan, ran.summary, ran.flows, ran.plan.ks
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
        f"Evaluation {plan.eval_id}: {dataset} ({plan.recipe}), {len(plan.points)} points, n={n}",
        "model " + " ".join(f"pass@{k}_[95%_CI]" for k in k_values) + " correct",
        wrap="model",
        right=" ".join(f"pass@{k}_[95%_CI]" for k in k_values) + " correct",
    )
    for m in plan.models:
        row = summary["models"][m]
        add_row(table, m, *(_ci(row["pass_at_k"][str(k)], 2) for k in k_values), f"{row['correct']}/{row['samples']}")
    console = Console()
    console.print(table)
    print_separability(console, summary["separability"])
    if flows:
        from app.report.flow_text import print_profiles

        print_profiles(flows, console)
    spend = money(sum(r["cost_usd"] for r in summary["models"].values()))
    console.print(
        f"eval {plan.eval_id} recorded ({spend}); report it with: assay report --eval {plan.eval_id}", markup=False
    )


@app.command()
def report(
    eval_ids: list[str] = typer.Option(None, "--eval", help="Evaluation id (or prefix); repeat to pool several."),
    dataset: str = typer.Option(None, "--dataset", help="Pool every completed evaluation of this dataset."),
    output: Path = typer.Option(Path("assay-report"), "--output", "-o", help="Directory for report.html/.json."),
    as_json: bool = JSON_OPT,
) -> None:
    """pass@k with CIs, separability with confidence, the pairwise table and the difficulty distribution."""
    from app.report import report as write_report

    with session() as (ledger, tracking):
        written = write_report(ledger, tracking, eval_ids, dataset, output)
    built, html_path, json_path = written.report, written.html_path, written.json_path
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
    print_separability(console, d["separability"])
    console.print(f"wrote {html_path} and {json_path}", markup=False)
