"""The `assay` command line. Heavy imports (litellm, nats) happen inside commands, not at start-up."""

from __future__ import annotations

import sys

import typer

from cli.errors import UserError
from cli.root import app
from domain.errors import DomainError


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


def main() -> None:
    """Entry point: user errors print one clear line and exit non-zero, never a traceback."""
    _register()
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = app(standalone_mode=False)
    except UserError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(exc.exit_code)
    except DomainError as exc:  # a use case refused the input: nothing was recorded
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # usage errors: typer vendors its own click, so match by what they can do
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
