"""`assay asyncapi`: the AsyncAPI document of the bus, generated from the services (docs/asyncapi.yaml)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import UserError
from cli.root import app


@app.command()
def asyncapi(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    fmt: str = typer.Option("yaml", "--format", help="yaml or json."),
) -> None:
    """Print the AsyncAPI 3.0 document: the accepted-points subject and its schema, and the internal channels."""
    from app.asyncapi import render

    if fmt not in ("yaml", "json"):
        raise UserError(f"--format must be yaml or json (got {fmt!r})")
    text = render(fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {output}")
