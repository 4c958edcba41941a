"""History: what the user typed resolved to a candidate or run, and its audit record, for `assay show` and the page.

Refusals are domain errors: ``NotFound`` for an id that names nothing, ``InvalidInput`` for one too short or
ambiguous. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up_all
from app.formats import coord, money
from app.trace import annotate_repairs
from domain.candidate import Candidate
from domain.chain import fact_event
from domain.errors import InvalidInput, NotFound
from domain.facts import RunStarted, tag_of
from domain.ids import run_uuid
from domain.textdiff import payload_diff
from projections.corpus import Corpus
from projections.run_stats import RunStats

MIN_PREFIX = 4


@dataclass(frozen=True)
class Ref:
    """A resolved id: ``id`` is the candidate's UUID, or the run id for a run."""

    kind: Literal["candidate", "run"]
    id: str
    run_id: str


def resolve(ledger: AssayLedger, tracking: TrackingStore, text: str) -> Ref:
    """A full id, or a unique prefix of at least MIN_PREFIX characters, of a candidate or a run."""
    wanted = text.strip()
    low = wanted.lower()
    if len(low) == 32 and all(c in "0123456789abcdef" for c in low):  # a UUID as stored, without hyphens
        low = str(UUID(low))
    corpus, stats = catch_up_all(ledger, tracking, Corpus, RunStats)
    runs = {run_id: row["uuid"] for run_id, row in stats.runs.items()}

    # Exact ids win over prefixes.
    if low in corpus.candidates:
        return Ref("candidate", low, corpus.candidates[low]["run_id"])
    for run_id, uuid in runs.items():
        if wanted == run_id or low == uuid:
            return Ref("run", run_id, run_id)
    if len(wanted) < MIN_PREFIX:
        raise InvalidInput(f"id {wanted!r} is too short: give a full id or at least {MIN_PREFIX} characters")

    found = [Ref("candidate", cid, c["run_id"]) for cid, c in sorted(corpus.candidates.items()) if cid.startswith(low)]
    found += [
        Ref("run", run_id, run_id)
        for run_id, uuid in sorted(runs.items())
        if run_id.lower().startswith(low) or uuid.startswith(low)
    ]
    if not found:
        raise NotFound(f"no candidate or run with id {wanted!r}")
    if len(found) > 1:
        shown = ", ".join(f"{r.kind} {r.id}" for r in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise InvalidInput(f"id {wanted!r} is ambiguous: it matches {shown}{more}; give more characters")
    return found[0]


def load_candidate(ledger: AssayLedger, candidate_id: str) -> Candidate:
    """The candidate with this full id; ``NotFound`` for anything else."""
    try:
        aggregate: Candidate | None = ledger.repository.get(UUID(candidate_id))
    except (ValueError, AggregateNotFoundError):
        aggregate = None
    if not isinstance(aggregate, Candidate):
        raise NotFound(f"no point with id {candidate_id!r}")
    return aggregate


def _fact_rows(ledger: AssayLedger, uuid: str) -> list[dict[str, Any]]:
    """Every fact of one aggregate in order, with its version and time."""
    rows = []
    for event in map(fact_event, ledger.repository.event_store.get(UUID(uuid))):
        fact = event.fact
        row = {"version": event.originator_version, "timestamp": event.timestamp.isoformat(), "type": tag_of(fact)}
        row.update(msgspec.to_builtins(fact))
        rows.append(row)
    return rows


def _run_started(ledger: AssayLedger, run_id: str) -> RunStarted | None:
    """The fact a run began with (its spec, recipe arguments), read alone: a run's aggregate holds every pull and
    settlement, and rebuilding it to read its first fact grows with the run."""
    for event in ledger.repository.event_store.get(run_uuid(run_id), limit=1):
        fact = fact_event(event).fact
        return fact if isinstance(fact, RunStarted) else None
    return None


def candidate_history(ledger: AssayLedger, candidate_id: str) -> dict[str, Any]:
    """A candidate's audit record: its run's spec and the pull's coordinate, then every fact."""
    candidate = load_candidate(ledger, candidate_id)
    started = _run_started(ledger, candidate.run_id)
    return {
        "kind": "candidate",
        "candidate_id": candidate_id,
        "run_id": candidate.run_id,
        "spec_name": started.spec_name if started else "",
        "spec": dict(started.spec) if started else {},
        "recipe": candidate.recipe,
        "index": candidate.index,
        # the pull's coordinate: its draft (or carried draft) records the coordinate of the pull that made it
        "coordinate": candidate.coordinate,
        "status": candidate.status,
        "checklist_version": candidate.checklist_version,
        "cost_usd": candidate.cost_usd,
        "payload": msgspec.to_builtins(candidate.payload),
        "recipe_args": dict(started.recipe_args) if started else {},
        "facts": annotate_repairs(_fact_rows(ledger, candidate_id)),
    }


def run_history(ledger: AssayLedger, tracking: TrackingStore, run_id: str) -> dict[str, Any]:
    """A run's summary (from run stats), its spec, its facts and its candidates."""
    corpus, stats = catch_up_all(ledger, tracking, Corpus, RunStats)
    facts = _fact_rows(ledger, str(run_uuid(run_id)))  # read once, not also rebuilt as an aggregate
    if not facts or facts[0]["type"] != tag_of(RunStarted):
        raise NotFound(f"no run with id {run_id!r}")
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
        "run": stats.run(run_id) or {},
        "spec": facts[0]["spec"],
        "facts": facts,
        "candidates": members,
    }


def fact_line(row: dict[str, Any]) -> str:
    """One line saying what a fact recorded (a fact kind it does not know: empty, its tag says enough)."""
    try:
        return _fact_line(row)
    except (KeyError, TypeError, ValueError):
        return ""


def _fact_line(row: dict[str, Any]) -> str:
    t = row["type"]
    if row.get("carried_from"):  # a replay took this result over from its source: say where from
        return f"{_fact_line({**row, 'carried_from': ''})} (carried from {row['carried_from']})"
    if t == "Drafted" and row.get("origin"):
        o = row["origin"]
        return (
            f"replay of candidate {o['candidate_id']} as of its fact #{o['version']} (no generation call); "
            f"gates from {o['from_gate']} on run again"
        )
    if t == "Drafted":
        return f"drafted at {coord(row['coordinate'])} (checklist v{row['checklist_version']})"
    if t == "DraftFailed":
        return f"draft failed: {row['reason']}"
    if t in ("GatePassed", "ProbeRequested"):
        return str(row["gate"])
    if t == "GateFailed":
        return f"{row['gate']}: {row['reason']}" + (f" -> repair: {row['repair']}" if row["repair"] else "")
    if t == "Repaired":
        return (
            f"repair {row['attempt']} for {row['gate']}: changed {', '.join(row['diff']) or 'nothing'}; "
            f"re-run {', '.join(row['invalidated']) or 'none'}"
        )
    if t == "Probed":
        passed = ", ".join(row["passed_models"]) or "-"
        return f"band {row['band']}, solve rate {row['solve_rate']:.2f}, passed: {passed}"
    if t == "Rejected":
        return f"rejected at {row['gate']}: {row['reason']}"
    if t == "Queued":
        return f"queued for review (band {row['band'] or '-'}, cost {money(row['cost_usd'])})"
    if t == "VerdictGiven":
        return f"{row['verdict']} by {row['reviewer']}" + (f": {row['reason']}" if row["reason"] else "")
    return ""


def versions(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every payload the point has had, in order: the draft, each repair, a reviewer's edit. ``facts`` are rows
    as ``candidate_history`` gives them, where each repair or edit already lists its ``changes``."""
    out: list[dict[str, Any]] = []
    for row in facts:
        if row["type"] == "Drafted":
            label = "original draft"
        elif row["type"] == "Repaired":
            label = f"repair {row['attempt']} ({row['gate']})"
        elif row["type"] == "VerdictGiven" and row.get("payload") is not None:
            label = f"edited by {row['reviewer']}"
        else:
            continue
        out.append(
            {
                "version": row["version"],
                "label": label,
                "payload": row["payload"],
                "changed": sorted(c["field"] for c in row.get("changes", [])),
                "by_reviewer": row["type"] == "VerdictGiven",
            }
        )
    return out


def point_record(ledger: AssayLedger, point_id: str) -> dict[str, Any]:
    """One point's full record for review: the audit history plus its payload versions (each after the first with
    ``diff``, a word diff of every changed field against the version before), gates, probes and verdict.
    ``original`` is the payload before a reviewer's edit (None without one)."""
    h = candidate_history(ledger, point_id)
    facts = h["facts"]
    vs = versions(facts)
    for older, newer in zip(vs, vs[1:], strict=False):  # each version against the one before, word by word
        newer["diff_from"] = older["label"]
        newer["diff"] = msgspec.to_builtins(payload_diff(older["payload"] or {}, newer["payload"] or {}))
    edit = next((v for v in vs if v["by_reviewer"]), None)
    original = vs[vs.index(edit) - 1] if edit is not None and vs.index(edit) > 0 else None
    verdicts = [row for row in facts if row["type"] == "VerdictGiven"]
    probes = [row for row in facts if row["type"] == "Probed"]
    for row in facts:
        row["line"] = fact_line(row)
    for row in probes:
        row["ks"] = sorted({k for o in row["outcomes"] for k in o["pass_at_k"]}, key=lambda k: int(k))
    h.update(
        original=original,
        versions=vs,
        gates=[row for row in facts if row["type"] in ("GatePassed", "GateFailed", "Rejected")],
        probes=probes,
        verdict=verdicts[-1] if verdicts else None,
        reviewable=h["status"] == "queued",
    )
    return h
