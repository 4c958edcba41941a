"""Opening the ledger for a command, resolving what the user typed to a candidate or run, and its history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import msgspec

from adapters.ledger import AssayLedger, LedgerUnavailable, find
from adapters.tracking import TrackingStore
from cli.errors import UserError
from cli.trace import annotate_repairs
from domain.candidate import Candidate
from domain.chain import fact_event
from domain.facts import tag_of
from domain.ids import run_uuid
from domain.run import Run

MIN_PREFIX = 4


@contextmanager
def session() -> Iterator[tuple[AssayLedger, TrackingStore]]:
    """The configured ledger and tracking store; an unreachable store is a one-line UserError."""
    from adapters import bootstrap

    try:
        ledger = bootstrap.ledger()
        tracking = bootstrap.tracking()
    except LedgerUnavailable as exc:
        raise UserError(str(exc)) from None
    try:
        yield ledger, tracking
    finally:
        tracking.close()
        ledger.close()


@dataclass(frozen=True)
class Ref:
    """A resolved id: ``id`` is the candidate's UUID, or the run id for a run."""

    kind: Literal["candidate", "run"]
    id: str
    run_id: str


def resolve(ledger: AssayLedger, tracking: TrackingStore, text: str) -> Ref:
    """A full id, or a unique prefix of at least MIN_PREFIX characters, of a candidate or a run."""
    from adapters.views import catch_up
    from projections.corpus import Corpus
    from projections.run_stats import RunStats

    wanted = text.strip()
    low = wanted.lower()
    if len(low) == 32 and all(c in "0123456789abcdef" for c in low):  # a UUID as stored, without hyphens
        low = str(UUID(low))
    corpus = catch_up(ledger, tracking, Corpus)
    stats = catch_up(ledger, tracking, RunStats)
    runs = {run_id: row["uuid"] for run_id, row in stats.runs.items()}

    # Exact ids win over prefixes.
    if low in corpus.candidates:
        return Ref("candidate", low, corpus.candidates[low]["run_id"])
    for run_id, uuid in runs.items():
        if wanted == run_id or low == uuid:
            return Ref("run", run_id, run_id)
    if len(wanted) < MIN_PREFIX:
        raise UserError(f"id {wanted!r} is too short: give a full id or at least {MIN_PREFIX} characters")

    found = [Ref("candidate", cid, c["run_id"]) for cid, c in sorted(corpus.candidates.items()) if cid.startswith(low)]
    found += [
        Ref("run", run_id, run_id)
        for run_id, uuid in sorted(runs.items())
        if run_id.lower().startswith(low) or uuid.startswith(low)
    ]
    if not found:
        raise UserError(f"no candidate or run with id {wanted!r}")
    if len(found) > 1:
        shown = ", ".join(f"{r.kind} {r.id}" for r in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise UserError(f"id {wanted!r} is ambiguous: it matches {shown}{more}; give more characters")
    return found[0]


def _fact_rows(ledger: AssayLedger, uuid: str) -> list[dict[str, Any]]:
    """Every fact of one aggregate in order, with its version and time."""
    rows = []
    for event in map(fact_event, ledger.repository.event_store.get(UUID(uuid))):
        fact = event.fact
        row = {"version": event.originator_version, "timestamp": event.timestamp.isoformat(), "type": tag_of(fact)}
        row.update(msgspec.to_builtins(fact))
        rows.append(row)
    return rows


def candidate_history(ledger: AssayLedger, candidate_id: str) -> dict[str, Any]:
    """A candidate's audit record: its run's spec and the pull's coordinate, then every fact."""
    candidate: Candidate = ledger.repository.get(UUID(candidate_id))
    run: Run | None = find(ledger, run_uuid(candidate.run_id))
    pull = run.pulls.get(candidate.index) if run else None
    return {
        "kind": "candidate",
        "candidate_id": candidate_id,
        "run_id": candidate.run_id,
        "spec_name": run.spec_name if run else "",
        "spec": run.spec if run else {},
        "recipe": candidate.recipe,
        "index": candidate.index,
        "coordinate": dict(pull.coordinate) if pull else candidate.coordinate,
        "status": candidate.status,
        "checklist_version": candidate.checklist_version,
        "cost_usd": candidate.cost_usd,
        "payload": msgspec.to_builtins(candidate.payload),
        "recipe_args": run.recipe_args if run else {},
        "facts": annotate_repairs(_fact_rows(ledger, candidate_id)),
    }


def run_history(ledger: AssayLedger, tracking: TrackingStore, run_id: str) -> dict[str, Any]:
    """A run's summary (from run stats), its spec, its facts and its candidates."""
    from adapters.views import catch_up
    from projections.corpus import Corpus
    from projections.run_stats import RunStats

    stats = catch_up(ledger, tracking, RunStats).run(run_id) or {}
    run: Run = ledger.repository.get(run_uuid(run_id))
    corpus = catch_up(ledger, tracking, Corpus)
    members = sorted(
        (
            {"candidate_id": cid, "index": c["index"], "status": c["status"]}
            for cid, c in corpus.candidates.items()
            if c["run_id"] == run_id
        ),
        key=lambda c: c["index"],
    )
    return {
        "kind": "run",
        "run_id": run_id,
        "run": stats,
        "spec": run.spec,
        "facts": _fact_rows(ledger, str(run.id)),
        "candidates": members,
    }
