"""`assay run`, `resume`, `serve` and `demo`: start the services and drive a run to completion."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cli.bounds import ranged
from cli.errors import UserError
from cli.output import print_json
from cli.root import app
from cli.running import (
    DEMO_SPEC,
    INTERRUPTED,
    MODEL_FAILURE_EXIT,
    PREFLIGHT_OPT_HELP,
    console,
    interruptible,
    load_model_library,
    load_spec,
    preflight,
    started_runtime,
    stop_on_signals,
    stop_runtime,
    watch,
)
from domain import bounds as b

NOTHING_RECORDED = "nothing was recorded"


def _policy(attempts: int | None, until_accepted: int | None, concurrency: int, max_cost: float | None):  # noqa: ANN202
    from domain.facts import Policy

    if attempts is not None and until_accepted is not None:
        raise UserError("choose one of --attempts and --until-accepted, not both")
    if until_accepted is not None:
        return Policy(mode="until_accepted", target=until_accepted, concurrency=concurrency, max_cost=max_cost)
    return Policy(mode="attempts", target=attempts or 10, concurrency=concurrency, max_cost=max_cost)


def _rejects_by_gate(run) -> dict[str, dict[str, Any]]:  # noqa: ANN001
    """Each gate's rejects, most first, with the most common reason it gave."""
    by_gate = Counter(s.gate for s in run.settled.values() if s.outcome == "rejected")
    out = {}
    for gate, count in by_gate.most_common():
        reasons = Counter(s.reason for s in run.settled.values() if s.gate == gate and s.outcome == "rejected")
        out[gate] = {"count": count, "most_common_reason": reasons.most_common(1)[0][0]}
    return out


def _failures(run) -> tuple[list[Any], list[Any], bool]:  # noqa: ANN001
    """The attempts that hit a model error, those with unusable output, and whether that fails the run (exit 3):
    any model error, or nothing but unusable output."""
    errors = [s for s in run.settled.values() if s.cause == "model_error"]
    junk = [s for s in run.settled.values() if s.cause == "unusable_output"]
    return errors, junk, bool(errors or (junk and len(junk) == run.attempts))


def _exit_code(run) -> int:  # noqa: ANN001
    if run.completed is None:
        return INTERRUPTED
    return MODEL_FAILURE_EXIT if _failures(run)[2] else 0


def _run_json(run) -> int:  # noqa: ANN001
    """Print how the run ended as one JSON object (`run --json`, `resume --json`); the exit code as ``_summary``."""
    import msgspec

    errors, junk, _ = _failures(run)
    print_json(
        {
            "run_id": run.run_id,
            "spec": run.spec_name,
            "recipe": run.recipe,
            "seed": run.seed,
            "policy": msgspec.to_builtins(run.policy),
            "status": "interrupted" if run.completed is None else "completed",
            "reason": None if run.completed is None else run.completed.reason,
            "attempts": run.attempts,
            "queued": run.queued,
            "rejected": run.rejected,
            "in_flight": run.in_flight,
            "cost_usd": run.cost_usd,
            "rejects_by_gate": _rejects_by_gate(run),
            "model_errors": len(errors),
            "unusable": len(junk),
        }
    )
    code = _exit_code(run)
    # Hints go to stderr: stdout carries only the JSON.
    if code == INTERRUPTED:
        typer.echo(f"run {run.run_id} interrupted; continue it with: assay resume {run.run_id}", err=True)
    elif code == MODEL_FAILURE_EXIT:
        _model_failure_line(errors, junk)
    return code


def _model_failure_line(errors: list[Any], junk: list[Any]) -> None:
    first = (errors or junk)[0]
    Console(stderr=True).print(
        f"[red]error:[/red] {len(errors)} attempts hit a model error and {len(junk)} got unusable output "
        f"(gate {first.gate}: {first.reason[:200]}). They are logged as rejects; check the spec's models."
    )


def _summary(run) -> int:  # noqa: ANN001
    """Print how the run ended; the exit code is non-zero if it was interrupted or models failed."""
    if run.completed is None:
        console.print(f"run {run.run_id} interrupted; continue it with: assay resume {run.run_id}")
        return INTERRUPTED
    console.print(
        f"run {run.run_id} completed: {run.completed.reason}. attempts {run.attempts}, "
        f"queued for review {run.queued}, rejected {run.rejected}, spend ${run.cost_usd:.4f}, seed {run.seed}"
    )
    by_gate = _rejects_by_gate(run)
    if by_gate:
        table = Table(title="rejects by gate")
        table.add_column("gate")
        table.add_column("rejects", justify="right")
        table.add_column("most common reason")
        for gate, row in by_gate.items():
            table.add_row(gate, str(row["count"]), row["most_common_reason"][:90])
        console.print(table)
    errors, junk, failed = _failures(run)
    if failed:
        _model_failure_line(errors, junk)
        return MODEL_FAILURE_EXIT
    if junk:
        plural = "attempt was" if len(junk) == 1 else "attempts were"
        console.print(f"note: {len(junk)} {plural} rejected because a model's reply was unusable")
    return 0


async def _run_to_completion(spec, policy, seed: int | None, quiet: bool):  # noqa: ANN001, ANN202
    """The run, watched until it completes or a signal stops it; None if stopped before it was recorded."""
    from app import runs

    async with stop_on_signals() as stop:
        runtime = await started_runtime(stop, policy.concurrency)
        try:
            if stop.event.is_set():
                return None
            started = await runs.start(runtime.store, spec, policy, seed)
            if not quiet:
                console.print(
                    f"run {started.run_id}: spec {spec.name!r}, recipe {spec.recipe}, {policy.mode} {policy.target}, "
                    f"seed {started.seed}"
                )
            return await watch(runtime, started.run_id, quiet, stop)
        finally:
            await stop_runtime(runtime, stop)


def _started(run):  # noqa: ANN001, ANN202
    """``run``, or the one line saying that a signal came before anything was recorded."""
    if run is None:
        raise UserError("interrupted before the run started; nothing was recorded", exit_code=INTERRUPTED)
    return run


@app.command()
def run(
    spec_path: Path = typer.Argument(..., metavar="SPEC", help="Input spec file (TOML)."),
    attempts: int | None = ranged(None, "--attempts", b.ATTEMPTS, "Pull the lever N times (default 10)."),
    until_accepted: int | None = ranged(
        None, "--until-accepted", b.UNTIL_ACCEPTED, "Pull until N are queued (at most 20 attempts each)."
    ),
    concurrency: int = ranged(4, "--concurrency", b.CONCURRENCY, "Candidates in flight at once."),
    max_cost: float | None = ranged(None, "--max-cost", b.MAX_COST, "Stop pulling once spend reaches USD."),
    seed: int | None = ranged(
        None, "--seed", b.SEED, "Seed every model call from S: at --concurrency 1 the same S gives the same run."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help=PREFLIGHT_OPT_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="No progress bar; print how the run ended as one JSON object (exit codes unchanged)."
    ),
) -> None:
    """Run SPEC through the gated loop until the policy is met; candidates wait in the review queue."""
    from adapters import logs

    logs.configure()
    with interruptible(NOTHING_RECORDED):
        spec = load_spec(spec_path)
        policy = _policy(attempts, until_accepted, concurrency, max_cost)
        preflight(spec, call=not no_preflight)
        load_model_library()
        run = _started(asyncio.run(_run_to_completion(spec, policy, seed, quiet or as_json)))
    raise typer.Exit(_run_json(run) if as_json else _summary(run))


@app.command()
def resume(
    run_id: str = typer.Argument(..., help="The run to continue."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    as_json: bool = typer.Option(
        False, "--json", help="No progress bar; print how the run ended as one JSON object (exit codes unchanged)."
    ),
) -> None:
    """Continue an interrupted run: in-flight work is redelivered, nothing is pulled twice."""
    from adapters import logs

    logs.configure()

    async def go():  # noqa: ANN202
        from domain.ids import run_uuid

        async with stop_on_signals() as stop:
            runtime = await started_runtime(stop)
            try:
                if await runtime.store.find(run_uuid(run_id)) is None:
                    raise UserError(f"no run with id {run_id!r}")
                return await watch(runtime, run_id, quiet or as_json, stop)
            finally:
                await stop_runtime(runtime, stop)

    with interruptible(f"the run is as it was; continue it with: assay resume {run_id}"):
        load_model_library()
        run = asyncio.run(go())
    raise typer.Exit(_run_json(run) if as_json else _summary(run))


@app.command()
def serve(
    names: list[str] | None = typer.Argument(
        None,
        metavar="SERVICE",
        help="Services to run here: relay, orchestrator, generation, gating, probing, publisher, review "
        "(default: all but review).",
    ),
    only: str | None = typer.Option(None, "--only", help="The same as a comma-separated list."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address the review page listens on."),
    port: int = ranged(8765, "--port", b.PORT, "Port of the review page (0: a free one)."),
) -> None:
    """Run services until SIGINT/SIGTERM (scale out by starting more processes against one NATS and store)."""
    from adapters import logs
    from cli.serving import chosen_services
    from cli.serving import serve as serve_here

    logs.configure()
    serve_here(chosen_services(names, only), host, port)


@app.command()
def demo(
    attempts: int = ranged(80, "--attempts", b.ATTEMPTS, "Lever pulls in the demo run."),
    spec_path: Path = typer.Option(DEMO_SPEC, "--spec", help="Spec to demo."),
    open_page: bool = typer.Option(False, "--open", help="Then serve the review page and open it in a browser."),
    port: int = ranged(8765, "--port", b.PORT, "Port of the review page (with --open; 0: a free one)."),
    seed: int | None = ranged(None, "--seed", b.SEED, "Seed the run (default: a fresh seed, printed)."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help=PREFLIGHT_OPT_HELP),
) -> None:
    """A small run on the embedded defaults (nats-server + SQLite under .assay, offline model panel)."""
    from adapters import logs

    logs.configure()
    with interruptible(NOTHING_RECORDED):
        spec = load_spec(spec_path)
        preflight(spec, call=not no_preflight)
        load_model_library()
        console.print(
            "[bold]Assay demo[/bold]: embedded nats-server and SQLite under ./.assay, the offline model panel "
            "(a deterministic stand-in for hosted models).\n"
        )
        run = _started(asyncio.run(_run_to_completion(spec, _policy(attempts, None, 8, None), seed, False)))
    code = _summary(run)
    if code == INTERRUPTED:
        raise typer.Exit(code)
    if not open_page:
        console.print(
            "\nnext: [bold]assay reviewer add NAME[/bold] then [bold]assay serve review[/bold] to review on the "
            "page (or run the demo with --open), [bold]assay queue[/bold], [bold]assay show ID[/bold] for a point's "
            "full history, "
            "[bold]assay status[/bold], [bold]assay export --format parquet -o points.parquet[/bold]"
        )
    else:
        import signal

        from cli.serving import open_review_page

        signal.signal(signal.SIGINT, signal.default_int_handler)  # the run's stop ignored it; serving is next
        with interruptible("the demo run is recorded; serve its page with: assay serve review"):
            open_review_page("127.0.0.1", port)
    raise typer.Exit(code)
