"""`assay replay RUN`: re-gate a completed run's recorded drafts with today's gates, and show what changed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import typer

from cli.errors import UserError
from cli.output import JSON_OPT, print_json
from cli.replay_view import print_report, report
from cli.root import app
from cli.run_cmds import MODEL_FAILURE_EXIT, _load_spec, _started_runtime, _watch, console

if TYPE_CHECKING:
    from domain.run import Run


@dataclass
class Prepared:
    """A checked replay, ready to record: nothing is written until every check has passed."""

    source: Any  # the source Run
    spec: Any
    recipe_args: dict[str, Any]
    from_gate: str
    order: list[str]
    carried: int
    skipped: list[str] = field(default_factory=list)  # failed drafts: nothing to re-gate


def _find_run(ledger: Any, tracking: Any, text: str) -> str:
    """A run id from a full id or a unique prefix (4+ characters)."""
    from adapters.views import catch_up
    from app.history import MIN_PREFIX
    from projections.run_stats import RunStats

    runs = sorted(catch_up(ledger, tracking, RunStats).runs)
    wanted = text.strip()
    if wanted in runs:
        return wanted
    if len(wanted) < MIN_PREFIX:
        raise UserError(f"run id {wanted!r} is too short: give a full id or at least {MIN_PREFIX} characters")
    found = [r for r in runs if r.startswith(wanted.lower())]
    if not found:
        raise UserError(f"no run with id {wanted!r} (assay status lists the runs)")
    if len(found) > 1:
        raise UserError(f"run id {wanted!r} is ambiguous: it matches {', '.join(found[:10])}; give more characters")
    return found[0]


def _prepare(text: str, from_gate: str | None, spec_path: Path | None, concurrency: int) -> Prepared:
    """Every check `assay replay` makes before it records anything; a failed one is a one-line UserError."""
    import recipes
    from cli.session import session
    from domain.errors import SpecError
    from domain.ids import run_uuid
    from domain.spec import spec_from_dict
    from services.replay import gate_order, plan, skipped

    if concurrency < 1:
        raise UserError(f"--concurrency must be at least 1 (got {concurrency})")
    with session() as (ledger, tracking):
        source: Run = ledger.repository.get(run_uuid(_find_run(ledger, tracking, text)))
        if source.completed is None:
            raise UserError(
                f"run {source.run_id} is still running ({len(source.settled)}/{source.attempts} settled); "
                f"replay it once it completes (assay resume {source.run_id} finishes it)"
            )
        spec = _load_spec(spec_path) if spec_path is not None else spec_from_dict(source.spec)
        if spec.recipe != source.recipe:
            raise UserError(
                f"{spec_path}: recipe {spec.recipe!r}, but run {source.run_id} used {source.recipe!r}; "
                "a replay re-gates with the same recipe"
            )
        try:
            recipe, order = gate_order(spec)
        except SpecError as exc:
            raise UserError(f"run {source.run_id}: {exc}") from None
        gate = from_gate or order[0]
        if gate not in order:
            raise UserError(f"unknown gate {gate!r} for recipe {spec.recipe}; its gates, in order: {', '.join(order)}")
        planned = plan(ledger, source, order, gate)
        if not planned:
            raise UserError(f"run {source.run_id} has no drafted candidates to replay")
        return Prepared(
            source, spec, recipes.recipe_info(recipe).args, gate, order, len(planned), skipped(source, planned)
        )


async def _replay(p: Prepared, concurrency: int, quiet: bool) -> tuple[Any, dict[str, Any]]:
    """Record the replay run, let the services carry and re-gate its drafts, then compare with the source."""
    from domain import facts as f
    from domain.ids import run_uuid
    from domain.run import Run
    from domain.spec import spec_to_dict

    runtime = await _started_runtime()
    try:
        run_id = uuid4().hex[:12]
        policy = f.Policy(mode="attempts", target=p.carried, concurrency=concurrency)
        # The source's seed, whatever --spec says: gates and probe must be seeded as the source's were.
        started = f.RunStarted(
            run_id=run_id,
            spec_name=p.spec.name,
            recipe=p.spec.recipe,
            spec=spec_to_dict(p.spec),
            policy=policy,
            seed=p.source.seed,
            recipe_args=p.recipe_args,
            replay_of=p.source.run_id,
            from_gate=p.from_gate,
        )
        await runtime.store.save(Run.start(run_uuid(run_id), started))
        if not quiet:
            skipped = f" ({len(p.skipped)} failed drafts not carried)" if p.skipped else ""
            console.print(
                f"run {run_id}: replay of {p.source.run_id} from gate {p.from_gate}, {p.carried} recorded "
                f"drafts{skipped}; no generation call",
                markup=False,
            )
        run = await _watch(runtime, run_id, quiet)
        if run.completed is None:
            return run, {}
        return run, await asyncio.to_thread(report, runtime.ledger, p.source, run, p.order)
    finally:
        await runtime.stop()


def _existing(text: str) -> tuple[Any, dict[str, Any]]:
    """``--diff``: the report of a replay run already recorded (after `assay resume`, say); starts nothing."""
    from cli.session import session
    from domain.ids import run_uuid
    from domain.spec import spec_from_dict
    from services.replay import gate_order

    with session() as (ledger, tracking):
        run: Run = ledger.repository.get(run_uuid(_find_run(ledger, tracking, text)))
        if not run.replay_of:
            raise UserError(f"run {run.run_id} is not a replay; --diff compares a replay run with its source")
        if run.completed is None:
            raise UserError(f"replay {run.run_id} is still running; continue it with: assay resume {run.run_id}")
        source: Run = ledger.repository.get(run_uuid(run.replay_of))
        _, order = gate_order(spec_from_dict(run.spec))
        return run, report(ledger, source, run, order)


@app.command()
def replay(
    run_id: str = typer.Argument(..., metavar="RUN", help="A completed run (full id or a unique prefix)."),
    from_gate: str | None = typer.Option(
        None,
        "--from-gate",
        metavar="GATE",
        help="Carry the gates before GATE over; run GATE and later ones again (default: the first gate).",
    ),
    spec_path: Path | None = typer.Option(
        None, "--spec", metavar="FILE", help="Today's configuration, same recipe (default: the recorded spec)."
    ),
    concurrency: int = typer.Option(4, "--concurrency", help="Candidates in flight at once."),
    diff_only: bool = typer.Option(False, "--diff", help="RUN is a replay run: show its comparison, start nothing."),
    as_json: bool = JSON_OPT,
) -> None:
    """Re-gate RUN's recorded drafts with today's gates, without generating; list newly admitted and rejected points."""
    from adapters import logs

    logs.configure()
    if diff_only:
        if from_gate or spec_path:
            raise UserError("--diff shows a recorded replay as it ran: it takes no --from-gate or --spec")
        run, found = _existing(run_id)
    else:
        prepared = _prepare(run_id, from_gate, spec_path, concurrency)
        run, found = asyncio.run(_replay(prepared, concurrency, as_json))
        found.update(spec=str(spec_path) if spec_path else "recorded", not_carried=prepared.skipped)
    if run.completed is None:
        console.print(f"replay {run.run_id} interrupted; continue it with: assay resume {run.run_id}", markup=False)
        raise typer.Exit(130)
    if as_json:
        print_json(found)
    else:
        print_report(found)
    rerun = {v["gate"] for v in found["gate_versions"] if v["rerun"]}  # carried model errors are the source's
    errors = [s for s in run.settled.values() if s.cause == "model_error" and s.gate in rerun]
    if errors:
        typer.secho(
            f"error: {len(errors)} candidates hit a model error (gate {errors[0].gate}: "
            f"{errors[0].reason[:200]}); they count as rejected above",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(MODEL_FAILURE_EXIT)
