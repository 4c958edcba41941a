"""The `assay` typer app that every command module adds its commands to (cli/__init__.py loads them)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="assay",
    help="Assay: a factory for synthetic evaluation data that holds up.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
