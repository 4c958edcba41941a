"""`assay export`: approved points as JSONL, Parquet, a Hugging Face dataset folder or Inspect samples."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from cli.errors import UserError
from cli.root import app
from cli.session import session


def _select(name: str, points: list[dict[str, Any]], specs: dict[str, str]) -> list[dict[str, Any]]:
    """The points of one spec name or run id (as `assay eval --dataset` reads it), or all of them."""
    from app.evaluate import EvalInputError, select

    if name == "all":
        return points
    if Path(name).suffix in (".jsonl", ".json") or Path(name).is_file():
        raise UserError(f"--dataset {name!r}: export reads the ledger; name a spec, a run id or 'all'")
    try:
        return select(name, points, specs)
    except EvalInputError as exc:
        text = str(exc).replace("has no approved points", "has no approved points to export")
        raise UserError(text.replace(", 'all' or a JSONL file", " or 'all'")) from None


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, parquet, hf (a Hugging Face folder) or inspect."),
    output: Path = typer.Option(
        None, "--output", "-o", help="The file (a folder for hf) to write; jsonl and inspect go to stdout without it."
    ),
    dataset: str = typer.Option("all", "--dataset", help="A spec name, a run id (or unique prefix), or 'all'."),
) -> None:
    """Approved points in verdict order with payload, difficulty and receipts; the same ledger gives the same bytes."""
    from adapters.views import catch_up
    from app.export import ExportError, check
    from app.export import export as write_export
    from projections.dataset import Dataset

    try:
        check(fmt, output)
        with session() as (ledger, tracking):
            view = catch_up(ledger, tracking, Dataset)
        points = view.points()
        if not points:
            raise ExportError("no approved points to export: approve some with `assay review ID --approve`")
        points = _select(dataset, points, view.specs)
        data = write_export(fmt, points, output)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    if data is not None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    typer.echo(f"exported {len(points)} points ({fmt}) to {output}", err=True)
