"""Near-duplicate pairs among queued and approved points (docs/novelty.md), for `assay dedup`. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.embeddings import embedder
from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app.history import resolve
from domain.bounds import SIMILARITY
from domain.errors import DomainError, InvalidInput
from domain.ids import run_uuid
from projections.corpus import Corpus
from projections.dedup import pairs
from projections.run_stats import RunStats


@dataclass(frozen=True)
class Found:
    """The pairs found (each with raw and template similarity, and ``semantic`` when scored) and whether the
    semantic stage scored them (asked for, or turned on by one of the runs' specs)."""

    pairs: list[dict[str, Any]]
    semantic: bool


def check_threshold(threshold: float) -> None:
    """Refuse a similarity threshold outside (0, 1]."""
    SIMILARITY.check("--threshold", threshold)


def runs(ledger: AssayLedger, tracking: TrackingStore, dataset: str, specs: dict[str, str]) -> set[str] | None:
    """The run ids a --dataset value names: 'all' (None), a spec name, or a run id (or unique prefix)."""
    if dataset == "all":
        return None
    named = {run_id for run_id, spec in specs.items() if spec == dataset}
    if named:
        return named
    try:
        ref = resolve(ledger, tracking, dataset)
    except DomainError:
        raise InvalidInput(
            f"--dataset {dataset!r}: no spec or run of that name (give a spec name, a run id or 'all')"
        ) from None
    if ref.kind != "run":
        raise InvalidInput(f"--dataset {dataset!r} names a candidate, not a spec or a run")
    return {ref.id}


def specs_ask(ledger: AssayLedger, run_ids: list[str]) -> bool:
    """Whether any of these runs' specs turns the semantic stage on."""
    return any(ledger.repository.get(run_uuid(r)).spec.get("gates", {}).get("semantic", False) for r in run_ids)


def find(
    ledger: AssayLedger, tracking: TrackingStore, dataset: str = "all", threshold: float = 0.9, semantic: bool = False
) -> Found:
    """Pairs of ``dataset``'s queued and approved points at or above ``threshold``; with ``semantic`` (or when a
    run's spec asks for it) each pair also gets the embedding model's cosine similarity."""
    check_threshold(threshold)
    stats = catch_up(ledger, tracking, RunStats)
    specs = {run_id: row["spec_name"] for run_id, row in stats.runs.items()}
    run_ids = runs(ledger, tracking, dataset, specs)
    corpus = catch_up(ledger, tracking, Corpus)
    semantic = semantic or specs_ask(ledger, sorted(run_ids if run_ids is not None else specs))
    found = pairs(corpus, run_ids, threshold)
    if semantic and found:
        texts = sorted({p[k]["candidate_id"] for p in found for k in ("a", "b")})
        vectors = dict(zip(texts, embedder().encode([corpus.candidates[c]["text"] for c in texts]), strict=True))
        for p in found:
            p["semantic"] = round(float(vectors[p["a"]["candidate_id"]] @ vectors[p["b"]["candidate_id"]]), 6)
    return Found(found, semantic)
