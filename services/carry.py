"""Replay: carry a completed run's recorded drafts into a new run, with no generation call (domain.replay).

`assay replay` plans a replay to check it and to size its policy; the orchestrator plans it again (the source
is completed, so the plan cannot change) and carries the drafts in as the policy's window allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from adapters.ledger import AssayLedger
from domain import facts as f
from domain.candidate import Candidate
from domain.chain import fact_event
from domain.ids import candidate_uuid
from domain.replay import Carry, Outcome, carry
from domain.run import Run
from domain.spec import Spec


@dataclass(frozen=True)
class Planned:
    """One source candidate a replay carries: its pull, the source's outcome, and what is carried."""

    index: int
    coordinate: dict[str, str]
    checklist_version: int
    outcome: str  # the source's outcome at the gates: queued | rejected
    root_run_id: str
    root_candidate_id: str
    carry: Carry


def gate_order(spec: Spec) -> tuple[Any, list[str]]:
    """Today's recipe for ``spec`` and its gate names in order."""
    import recipes

    recipe = recipes.get(spec.recipe, **spec.recipe_options)
    return recipe, [g.name for g in recipe.gates]


def history(ledger: AssayLedger, candidate_id: str) -> list[tuple[int, f.Fact]]:
    """A candidate's facts with their versions, in order."""
    events = map(fact_event, ledger.repository.event_store.get(UUID(candidate_id)))
    return [(e.originator_version, e.fact) for e in events]


def plan(ledger: AssayLedger, source: Run, order: list[str], from_gate: str) -> list[Planned]:
    """The source's drafted candidates in pull order, each with what a replay from ``from_gate`` carries.
    Failed drafts have nothing to re-gate and are left out (``skipped`` lists them)."""
    out = []
    for index in sorted(source.pulls):
        cid = source.pulls[index].candidate_id
        facts = history(ledger, cid)
        first = facts[0][1] if facts else None
        if not isinstance(first, f.Drafted):
            continue  # a failed draft: nothing to re-gate
        taken = carry(cid, facts, order, from_gate)
        if taken is None:
            continue
        root = (first.origin.root_run_id, first.origin.root_candidate_id) if first.origin else (source.run_id, cid)
        settled = source.settled.get(cid)
        out.append(
            Planned(
                index, dict(first.coordinate), first.checklist_version, settled.outcome if settled else "", *root, taken
            )
        )
    return out


def skipped(source: Run, planned: list[Planned]) -> list[str]:
    """The source's candidates a replay does not carry (failed drafts), by id."""
    kept = {p.carry.source_id for p in planned}
    return [p.candidate_id for _, p in sorted(source.pulls.items()) if p.candidate_id not in kept]


def carried(entry: Planned, run: Run, from_gate: str) -> tuple[f.CandidateCarried, Candidate]:
    """The replay run's record of taking ``entry`` and the new candidate: its draft is the source's payload as it
    reached ``from_gate``, with no receipt, then the carried gate results (and rejection, if any)."""
    cid = candidate_uuid(run.run_id, entry.index)
    taken = entry.carry
    origin = f.Origin(
        candidate_id=taken.source_id,
        version=taken.version,
        from_gate=from_gate,
        outcome=entry.outcome,
        root_run_id=entry.root_run_id,
        root_candidate_id=entry.root_candidate_id,
    )
    drafted = f.Drafted(
        run_id=run.run_id,
        index=entry.index,
        recipe=run.recipe,
        coordinate=entry.coordinate,
        payload=taken.payload,
        checklist_version=entry.checklist_version,
        origin=origin,
    )
    candidate = Candidate.draft(cid, drafted)
    for fact in taken.facts:
        candidate.carry(fact)
    pulled = f.CandidateCarried(
        index=entry.index,
        candidate_id=str(cid),
        coordinate=entry.coordinate,
        run_id=run.run_id,
        source_id=taken.source_id,
        source_version=taken.version,
    )
    return pulled, candidate


def outcomes(run: Run) -> dict[int, Outcome]:
    """Each settled candidate's outcome at the gates, by pull index."""
    out = {}
    for index, pull in run.pulls.items():
        s = run.settled.get(pull.candidate_id)
        if s is not None:
            out[index] = Outcome(pull.candidate_id, index, s.outcome == "queued", s.gate, s.reason, s.outcome)
    return out


def recorded_versions(ledger: AssayLedger, run: Run) -> dict[str, list[str]]:
    """Gate -> the versions recorded on a run's gate results (runs recorded before versions have none)."""
    seen: dict[str, set[str]] = {}
    for pull in run.pulls.values():
        for _, fact in history(ledger, pull.candidate_id):
            if isinstance(fact, (f.GatePassed, f.GateFailed)) and fact.gate_version:
                seen.setdefault(fact.gate, set()).add(fact.gate_version)
    return {gate: sorted(v) for gate, v in seen.items()}
