"""`assay dedup`: near-duplicate pairs among queued and approved points (docs/novelty.md)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, print_json
from cli.root import app
from cli.session import session


def _runs(dataset: str, specs: dict[str, str], ledger: Any, tracking: Any) -> set[str] | None:
    """The run ids a --dataset value names: 'all' (None), a spec name, or a run id (or unique prefix)."""
    from app.history import resolve
    from domain.errors import DomainError

    if dataset == "all":
        return None
    named = {run_id for run_id, spec in specs.items() if spec == dataset}
    if named:
        return named
    try:
        ref = resolve(ledger, tracking, dataset)
    except DomainError:
        raise UserError(
            f"--dataset {dataset!r}: no spec or run of that name (give a spec name, a run id or 'all')"
        ) from None
    if ref.kind != "run":
        raise UserError(f"--dataset {dataset!r} names a candidate, not a spec or a run")
    return {ref.id}


def _specs_ask(ledger: Any, run_ids: list[str]) -> bool:
    """Whether any of these runs' specs turns the semantic stage on."""
    from domain.ids import run_uuid

    return any(ledger.repository.get(run_uuid(r)).spec.get("gates", {}).get("semantic", False) for r in run_ids)


@app.command()
def dedup(
    dataset: str = typer.Option("all", "--dataset", help="A spec name, a run id (or unique prefix), or 'all'."),
    threshold: float = typer.Option(0.9, "--threshold", help="Template (number-masked) similarity, in (0, 1]."),
    semantic: bool = typer.Option(False, "--semantic", help="Also score each pair with the embedding model."),
    as_json: bool = JSON_OPT,
) -> None:
    """Near-duplicate pairs among queued and approved points, with raw and template similarity."""
    from adapters.views import catch_up
    from projections.corpus import Corpus
    from projections.dedup import pairs
    from projections.run_stats import RunStats

    if not 0 < threshold <= 1:
        raise UserError(f"--threshold must be in (0, 1], got {threshold}")
    with session() as (ledger, tracking):
        stats = catch_up(ledger, tracking, RunStats)
        specs = {run_id: row["spec_name"] for run_id, row in stats.runs.items()}
        run_ids = _runs(dataset, specs, ledger, tracking)
        corpus = catch_up(ledger, tracking, Corpus)
        semantic = semantic or _specs_ask(ledger, sorted(run_ids if run_ids is not None else specs))
    found = pairs(corpus, run_ids, threshold)
    if semantic and found:
        from adapters.embeddings import embedder

        texts = sorted({p[k]["candidate_id"] for p in found for k in ("a", "b")})
        vectors = dict(zip(texts, embedder().encode([corpus.candidates[c]["text"] for c in texts]), strict=True))
        for p in found:
            p["semantic"] = round(float(vectors[p["a"]["candidate_id"]] @ vectors[p["b"]["candidate_id"]]), 6)
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
