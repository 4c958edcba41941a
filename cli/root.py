"""The `assay` typer app that every command module adds its commands to (cli/__init__.py loads them)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import typer

app = typer.Typer(
    name="assay",
    help="Assay: a factory for synthetic evaluation data that holds up.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish and PowerShell
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    if show:
        try:
            typer.echo(f"assay {version('assay')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("assay (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print Assay's version and exit."
    ),
) -> None:
    """Assay: a factory for synthetic evaluation data that holds up."""
