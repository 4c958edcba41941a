"""`assay export`: approved points as JSONL, Parquet, a Hugging Face dataset folder or Inspect samples."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from cli.errors import UserError
from cli.output import print_json
from cli.root import app
from cli.session import session


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, parquet, hf (a Hugging Face folder) or inspect."),
    output: Path = typer.Option(
        None, "--output", "-o", help="The file (a folder for hf) to write; jsonl and inspect go to stdout without it."
    ),
    dataset: str = typer.Option("all", "--dataset", help="A spec name, a run id (or unique prefix), or 'all'."),
    as_json: bool = typer.Option(
        False, "--json", help="With --output: print what was written (format, output, points, bytes/files) as JSON."
    ),
) -> None:
    """Approved points in verdict order with payload, difficulty and receipts; the same ledger gives the same bytes."""
    from app.export import check, export_dataset

    check(fmt, output)  # before the ledger is opened
    if as_json and output is None:
        raise UserError(f"--json needs --output PATH: without it the {fmt} export itself is what goes to stdout")
    with session() as (ledger, tracking):
        done = export_dataset(ledger, tracking, fmt, output, dataset)
    if done.data is not None:
        sys.stdout.buffer.write(done.data)
        sys.stdout.flush()
        return
    if as_json:
        size: dict[str, Any] = {"files": list(done.files), "bytes": done.size} if done.files else {"bytes": done.size}
        print_json({"format": fmt, "output": str(output), "points": done.points, **size})
        return
    typer.echo(f"exported {done.points} points ({fmt}) to {output}", err=True)
