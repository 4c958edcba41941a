"""What `assay run`, `resume`, `demo` and `replay` share: loading a spec, starting the runtime, watching a run."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cli.errors import UserError

console = Console()
DEMO_SPEC = Path(__file__).resolve().parents[1] / "specs" / "arithmetic.toml"


def load_spec(path: Path) -> Any:
    """The spec at ``path`` (with its models file), checked against its recipe; a UserError naming the file."""
    from app.specs import load_spec as load
    from domain.errors import SpecError

    try:
        return load(path)
    except SpecError as exc:
        raise UserError(str(exc)) from None


PREFLIGHT_OPT_HELP = "Skip the 1-token call to each endpoint (models are still resolved, keyed and priced)."


def preflight(spec: Any, call: bool) -> None:
    """Refuse, before anything is recorded, a spec whose models are not ready (app.models.preflight)."""
    from app.models import preflight as check

    check(spec, call=call)


async def started_runtime(concurrency: int | None = None) -> Any:
    """The services, the ledger and the bus, started (embedded nats-server by default), each consumer running at
    least ``concurrency`` handlers at once."""
    from adapters.bus import BusUnavailable
    from adapters.config import load_settings
    from adapters.ledger import LedgerUnavailable
    from app.runtime import Runtime

    runtime = Runtime(load_settings(), max_workers=concurrency)
    try:
        await runtime.start()
    except (LedgerUnavailable, BusUnavailable) as exc:
        raise UserError(str(exc)) from None
    return runtime


async def watch(runtime: Any, run_id: str, quiet: bool) -> Any:
    """Show progress until the run completes (or Ctrl-C / SIGTERM, after which `assay resume` continues)."""
    from domain.ids import run_uuid
    from domain.policy import attempt_ceiling

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    run = await runtime.store.run(run_uuid(run_id))
    total = run.policy.target if run.policy.mode == "until_accepted" else attempt_ceiling(run.policy)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        label = "accepted" if run.policy.mode == "until_accepted" else "settled"
        task = progress.add_task(f"run {run_id} {label}", total=total, stats="")
        while not stop.is_set():
            run = await runtime.store.run(run_uuid(run_id))
            done = run.queued if run.policy.mode == "until_accepted" else len(run.settled)
            stats = f"queued {run.queued}  rejected {run.rejected}  in flight {run.in_flight}  ${run.cost_usd:.4f}"
            progress.update(task, completed=done, stats=stats)
            if run.completed is not None:
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.25)
            except TimeoutError:
                pass
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    return run


MODEL_FAILURE_EXIT = 3
