"""`assay export`: approved points as JSONL, Parquet, a Hugging Face dataset folder or Inspect samples."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli.root import app
from cli.session import session


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, parquet, hf (a Hugging Face folder) or inspect."),
    output: Path = typer.Option(
        None, "--output", "-o", help="The file (a folder for hf) to write; jsonl and inspect go to stdout without it."
    ),
    dataset: str = typer.Option("all", "--dataset", help="A spec name, a run id (or unique prefix), or 'all'."),
) -> None:
    """Approved points in verdict order with payload, difficulty and receipts; the same ledger gives the same bytes."""
    from app.export import check, export_dataset

    check(fmt, output)  # before the ledger is opened
    with session() as (ledger, tracking):
        done = export_dataset(ledger, tracking, fmt, output, dataset)
    if done.data is not None:
        sys.stdout.buffer.write(done.data)
        sys.stdout.flush()
        return
    typer.echo(f"exported {done.points} points ({fmt}) to {output}", err=True)
