"""What `assay run`, `resume`, `demo`, `replay` (and `serve`, `eval`) share: loading a spec, starting the runtime,
watching a run, and stopping at once, with exit 130, on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
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


INTERRUPTED = 130
# After Ctrl-C, handlers still running get this long to finish; then they are cancelled and their messages handed
# back to the bus, so the whole stop stays within about two seconds (Bus.stop).
INTERRUPT_GRACE = 0.5


class Stop:
    """SIGINT or SIGTERM received while a command's event loop runs: ``event`` is set, ``signal`` says which."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.signal: int | None = None

    def _receive(self, sig: int) -> None:
        self.signal = self.signal or sig
        self.event.set()

    @property
    def interrupted(self) -> bool:
        """Ctrl-C (SIGINT): the command exits 130."""
        return self.signal == signal.SIGINT


@asynccontextmanager
async def stop_on_signals() -> AsyncIterator[Stop]:
    """From the first moment of a command's event loop: SIGINT and SIGTERM set the yielded Stop instead of raising
    KeyboardInterrupt, so work stops at a clean point. Afterwards they are ignored: the work has stopped, and what
    is left (the loop winding down, a summary, the interpreter's exit) takes a moment and must not be cut into a
    traceback or a death by signal."""
    stop = Stop()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop._receive, sig)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
            # SIG_IGN, not a Python function: the interpreter resets those to the default (death) as it exits.
            signal.signal(sig, signal.SIG_IGN)


@contextmanager
def interruptible(note: str) -> Iterator[None]:
    """Ctrl-C outside a command's event loop (loading, checking models, sampling) exits 130 with one line saying
    what became of the work (``note``), instead of typer's silent 130 or a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        raise UserError(f"interrupted; {note}", exit_code=INTERRUPTED) from None


def load_model_library() -> None:
    """Import litellm now, on the main thread, where Ctrl-C interrupts it at once (commands that start services
    call this before their event loop; in a thread the import would slow the loop's stop by holding the GIL)."""
    from adapters.llm import load_litellm

    load_litellm()


async def started_runtime(stop: Stop, concurrency: int | None = None, only: tuple[str, ...] | None = None) -> Any:
    """The services, the ledger and the bus, started (embedded nats-server by default), each consumer running at
    least ``concurrency`` handlers at once (``only``: these services, as `assay serve` names them). A signal while
    it starts (opening the ledger, starting nats-server) stops what has started and exits 130: nothing is
    recorded before the runtime is up."""
    from adapters.bus import BusUnavailable
    from adapters.config import load_settings
    from adapters.ledger import LedgerUnavailable
    from app.runtime import Runtime

    settings = load_settings()
    runtime = Runtime(settings, max_workers=concurrency) if only is None else Runtime(settings, only=only)
    starting = asyncio.create_task(runtime.start())
    signalled = asyncio.create_task(stop.event.wait())
    await asyncio.wait({starting, signalled}, return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(BaseException):
            await starting
        await runtime.stop(INTERRUPT_GRACE)
        raise UserError("interrupted while starting; nothing was recorded", exit_code=INTERRUPTED)
    try:
        starting.result()
    except (LedgerUnavailable, BusUnavailable) as exc:
        raise UserError(str(exc)) from None
    return runtime


async def stop_runtime(runtime: Any, stop: Stop) -> None:
    """Stop the runtime: after a signal, quickly (work in hand goes back to the bus for `assay resume`)."""
    if stop.event.is_set():
        # Model calls cut short leave coroutines litellm made but never awaited: nothing to warn about.
        warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
    await runtime.stop(INTERRUPT_GRACE if stop.event.is_set() else None)


async def watch(runtime: Any, run_id: str, quiet: bool, stop: Stop) -> Any:
    """Show progress until the run completes or ``stop`` is set (Ctrl-C / SIGTERM; `assay resume` continues)."""
    from domain.ids import run_uuid
    from domain.policy import attempt_ceiling

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
        while not stop.event.is_set():
            run = await runtime.store.run(run_uuid(run_id))
            done = run.queued if run.policy.mode == "until_accepted" else len(run.settled)
            stats = f"queued {run.queued}  rejected {run.rejected}  in flight {run.in_flight}  ${run.cost_usd:.4f}"
            progress.update(task, completed=done, stats=stats)
            if run.completed is not None:
                break
            try:
                await asyncio.wait_for(stop.event.wait(), timeout=0.25)
            except TimeoutError:
                pass
    return run


MODEL_FAILURE_EXIT = 3
