"""The `assay` command line. Heavy imports (litellm, nats) happen inside commands, not at start-up."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, NoReturn


def _interrupted_while_loading(sig: int, frame: Any) -> None:
    """Ctrl-C while the command line is still being imported: nothing has started, so leave at once."""
    os.write(2, b"interrupted\n")
    os._exit(130)


def _on_sigint(handler: Any) -> Any:
    """Install ``handler`` for SIGINT where Python allows it (the main thread); the previous one, or None."""
    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, handler)


# First, before the imports below take their time; put back once they are done (for whoever imports cli).
_before = _on_sigint(_interrupted_while_loading)

import typer  # noqa: E402

from cli.errors import UserError  # noqa: E402
from cli.root import app  # noqa: E402
from domain.errors import DomainError  # noqa: E402

_on_sigint(_before)


def _register() -> None:
    # Each module adds its commands to `app`; split so that commands stay small and separately owned.
    from cli import run_cmds, read_cmds, review_cmds  # noqa: F401, I001  (order = help order)
    from cli import eval_cmds, reviewer_cmds  # noqa: F401
    from cli import grade_cmds  # noqa: F401
    from cli import verify_cmds  # noqa: F401
    from cli import replay_cmds  # noqa: F401
    from cli import checklist_cmds  # noqa: F401
    from cli import asyncapi_cmds  # noqa: F401
    from cli import export_cmds  # noqa: F401
    from cli import dedup_cmds  # noqa: F401
    from cli import models_cmds  # noqa: F401


INTERRUPTED = 130


def _exit(code: int) -> NoReturn:
    """Exit with ``code``. After Ctrl-C, at once: what was recorded is committed and the runtime is stopped, while
    tearing the interpreter down (litellm and the rest) would add most of a second to honouring the interrupt.
    Otherwise the command is done and only the teardown is left, during which Ctrl-C is ignored: Python resets
    its own SIGINT handler to the default while finalizing, so a Ctrl-C then killed the process by the signal
    (exit -2, no message) after the command had finished its work."""
    if code == INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    _on_sigint(signal.SIG_IGN)
    sys.exit(code)


def main() -> None:
    """Entry point: user errors print one clear line and exit non-zero, never a traceback."""
    _on_sigint(_interrupted_while_loading)
    _register()
    seen: list[int] = []

    def interrupt(sig: int, frame: Any) -> None:
        """Ctrl-C as Python's default (KeyboardInterrupt), noted: typer turns one it catches into a silent 130."""
        seen.append(sig)
        raise KeyboardInterrupt

    _on_sigint(interrupt)  # from here, commands decide what Ctrl-C means (cli.running)
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = app(standalone_mode=False)
    except UserError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        _exit(exc.exit_code)
    except DomainError as exc:  # a use case refused the input: nothing was recorded
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        _exit(2)
    except typer.Exit as exc:
        _exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        _exit(INTERRUPTED)
    except Exception as exc:  # usage errors: typer vendors its own click, so match by what they can do
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            _exit(exit_code)
        raise
    if code == INTERRUPTED and seen:  # typer caught a KeyboardInterrupt outside any command's own handling
        typer.echo("interrupted", err=True)
    _exit(code if isinstance(code, int) else 0)
