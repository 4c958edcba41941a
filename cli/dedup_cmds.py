"""`assay dedup`: near-duplicate pairs among queued and approved points (docs/novelty.md)."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.bounds import ranged
from cli.output import JSON_OPT, add_row, make_table, print_json
from cli.root import app
from cli.session import session
from domain import bounds as b


@app.command()
def dedup(
    dataset: str = typer.Option("all", "--dataset", help="A spec name, a run id (or unique prefix), or 'all'."),
    threshold: float = ranged(0.9, "--threshold", b.SIMILARITY, "Template (number-masked) similarity."),
    semantic: bool = typer.Option(False, "--semantic", help="Also score each pair with the embedding model."),
    as_json: bool = JSON_OPT,
) -> None:
    """Near-duplicate pairs among queued and approved points, with raw and template similarity."""
    from app.dedup import check_threshold, find

    check_threshold(threshold)  # before the ledger is opened
    with session() as (ledger, tracking):
        result = find(ledger, tracking, dataset, threshold, semantic)
    found, semantic = result.pairs, result.semantic
    if as_json:
        print_json({"dataset": dataset, "threshold": threshold, "semantic": semantic, "pairs": found})
        return
    console = Console()
    if not found:
        console.print(f"no near-duplicate pairs among queued and approved points (threshold {threshold})")
        return
    columns = "a run_a b run_b template raw" + (" semantic" if semantic else "")
    table = make_table(f"Near-duplicate pairs ({len(found)})", columns, right="template raw semantic")
    for p in found:
        cells = [p["a"]["candidate_id"][:8], p["a"]["run_id"], p["b"]["candidate_id"][:8], p["b"]["run_id"]]
        cells += [f"{p['template']:.2f}", f"{p['raw']:.2f}"] + ([f"{p['semantic']:.2f}"] if semantic else [])
        add_row(table, *cells)
    console.print(table)
