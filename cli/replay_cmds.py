"""`assay replay RUN`: re-gate a completed run's recorded drafts with today's gates, and show what changed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from cli.bounds import ranged
from cli.errors import UserError
from cli.output import JSON_OPT, print_json
from cli.root import app
from cli.running import (
    INTERRUPTED,
    MODEL_FAILURE_EXIT,
    console,
    interruptible,
    load_model_library,
    load_spec,
    started_runtime,
    stop_on_signals,
    stop_runtime,
    watch,
)
from domain import bounds as b


def _prepare(text: str, from_gate: str | None, spec_path: Path | None, concurrency: int) -> Any:
    """Every check `assay replay` makes before it records anything (app.replay.prepare)."""
    from app import replay
    from cli.session import session

    spec = load_spec(spec_path) if spec_path is not None else None
    with session() as (ledger, tracking):
        return replay.prepare(ledger, tracking, text, from_gate, spec, str(spec_path), concurrency)


async def _replay(p: Any, concurrency: int, quiet: bool) -> tuple[Any, dict[str, Any]]:
    """Record the replay run, let the services carry and re-gate its drafts, then compare with the source."""
    from app import replay

    async with stop_on_signals() as stop:
        runtime = await started_runtime(stop, concurrency)
        try:
            if stop.event.is_set():
                raise UserError("interrupted before the replay started; nothing was recorded", exit_code=INTERRUPTED)
            started = await replay.start(runtime.store, p, concurrency)
            if not quiet:
                skipped = f" ({len(p.skipped)} failed drafts not carried)" if p.skipped else ""
                console.print(
                    f"run {started.run_id}: replay of {p.source.run_id} from gate {p.from_gate}, {p.carried} "
                    f"recorded drafts{skipped}; no generation call",
                    markup=False,
                )
            run = await watch(runtime, started.run_id, quiet, stop)
            if run.completed is None:
                return run, {}
            return run, await asyncio.to_thread(replay.report, runtime.ledger, p.source, run, p.order)
        finally:
            await stop_runtime(runtime, stop)


def _existing(text: str) -> tuple[Any, dict[str, Any]]:
    """``--diff``: the report of a replay run already recorded; starts nothing."""
    from app import replay
    from cli.session import session

    with session() as (ledger, tracking):
        return replay.existing(ledger, tracking, text)


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
    concurrency: int = ranged(4, "--concurrency", b.CONCURRENCY, "Candidates in flight at once."),
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
        with interruptible("nothing was recorded"):
            prepared = _prepare(run_id, from_gate, spec_path, concurrency)
            load_model_library()
            run, found = asyncio.run(_replay(prepared, concurrency, as_json))
        found.update(spec=str(spec_path) if spec_path else "recorded", not_carried=prepared.skipped)
    if run.completed is None:
        console.print(f"replay {run.run_id} interrupted; continue it with: assay resume {run.run_id}", markup=False)
        raise typer.Exit(INTERRUPTED)
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


def print_report(r: dict[str, Any]) -> None:
    """The report as text: the three lists, then the gate versions."""
    say = console.print
    admitted, rejected, same = r["newly_admitted"], r["newly_rejected"], r["unchanged"]
    say(
        f"replay {r['run_id']} of run {r['replay_of']} from gate {r['from_gate']}: {r['carried']} recorded drafts, "
        f"{r['completed']}",
        markup=False,
    )
    say(f"newly admitted: {len(admitted)}", style="bold")
    for x in admitted:
        say(
            f"  #{x['index']} {x['replay_id'][:8]} (source {x['source_id'][:8]} was rejected at {x['source_gate']}: "
            f"{x['source_reason']})",
            markup=False,
        )
    say(f"newly rejected: {len(rejected)}", style="bold")
    for x in rejected:
        say(
            f"  #{x['index']} {x['replay_id'][:8]} (source {x['source_id'][:8]} {x['source_status']}) rejected at "
            f"{x['gate']}: {x['reason']}",
            markup=False,
        )
    by_gate = ", ".join(f"{k} {v}" for k, v in same["by_gate"].items()) or "none"
    note = f"; {same['reason_changed']} rejected for another reason" if same["reason_changed"] else ""
    say(f"unchanged: {same['count']} ({by_gate}{note})", style="bold", markup=False)
    say("gate versions (this replay / the source):", style="bold")
    for v in r["gate_versions"]:
        source = v["source"] or "none recorded"
        how = f"re-run   {v['version'] or '-'} / {source}" if v["rerun"] else f"carried  {source}"
        say(f"  {v['gate']:<14} {how}", markup=False)
