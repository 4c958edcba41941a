"""`assay verify`: walk the whole ledger and name every event that was altered or removed.

Three checks, each naming the event it concerns:
- every stored event decodes, and its ``chain`` equals the link computed from its predecessor's chain and
  its own fact (domain.chain): an altered fact breaks the chain exactly there;
- each aggregate's versions run 1, 2, 3, ... with no hole: a removed event leaves one;
- a run's record of a settled candidate matches that candidate's own terminal event, which catches the
  removal of a candidate's last event (the one removal a chain alone cannot see).
On SQLite, a hole in the notification positions also shows where a row was deleted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from adapters.ledger import AssayLedger
from domain import facts as f
from domain.chain import GENESIS, fact_event, link


@dataclass(frozen=True)
class Problem:
    """One broken thing, located: the aggregate, the event version and the ledger position where known."""

    kind: str  # "altered" | "removed" | "undecodable" | "inconsistent"
    aggregate: str
    version: int | None
    position: int | None
    message: str


@dataclass
class Report:
    events: int = 0
    aggregates: int = 0
    unchained: int = 0  # events recorded before hash chains existed: decoded, not verifiable
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    version: int = 0
    chain: str = GENESIS
    kind: str = "?"
    facts: list[f.Fact] = field(default_factory=list)


def _kind(topic: str) -> str:
    return topic.split(":")[-1].split(".")[0].lower()  # "domain.candidate:Candidate.Recorded" -> "candidate"


def verify(app: AssayLedger, batch: int = 1000, *, positions_are_dense: bool = False) -> Report:
    """Check every event in the ledger; ``positions_are_dense`` (SQLite) also reports holes in positions."""
    report = Report()
    walks: defaultdict[UUID | str, _Walk] = defaultdict(_Walk)
    after, last_position = 0, 0
    while notifications := app.recorder.select_notifications(start=after, limit=batch, inclusive_of_start=False):
        for n in notifications:
            report.events += 1
            walk, where = walks[n.originator_id], str(n.originator_id)
            walk.kind = _kind(n.topic)
            if positions_are_dense and n.id != last_position + 1:
                gone = f"{last_position + 1}" + (f"-{n.id - 1}" if n.id - 1 > last_position + 1 else "")
                report.problems.append(
                    Problem(
                        "removed",
                        "?",
                        None,
                        last_position + 1,
                        f"ledger position {gone}: the event stored there was removed",
                    )
                )
            last_position = n.id
            if n.originator_version != walk.version + 1:
                missing = ", ".join(str(v) for v in range(walk.version + 1, n.originator_version)) or "?"
                report.problems.append(
                    Problem(
                        "removed",
                        where,
                        n.originator_version,
                        n.id,
                        f"{walk.kind} {where}: event version {missing} is missing "
                        f"before version {n.originator_version}",
                    )
                )
            walk.version = n.originator_version
            try:
                event = fact_event(app.mapper.to_domain_event(n))
                fact = event.fact
            except Exception as exc:  # tampered bytes that no longer decode
                report.problems.append(
                    Problem(
                        "undecodable",
                        where,
                        n.originator_version,
                        n.id,
                        f"{walk.kind} {where} v{n.originator_version} (position {n.id}) "
                        f"cannot be read: {type(exc).__name__}: {str(exc)[:120]}",
                    )
                )
                walk.chain = "?"
                continue
            walk.facts.append(fact)
            stored = getattr(event, "chain", None)
            if stored is None:
                report.unchained += 1
                continue
            if walk.chain != "?" and stored != link(walk.chain, n.originator_id, n.originator_version, fact):
                report.problems.append(
                    Problem(
                        "altered",
                        where,
                        n.originator_version,
                        n.id,
                        f"{walk.kind} {where} v{n.originator_version} (position {n.id}, "
                        f"{f.tag_of(fact)}) does not match its hash chain: this event or "
                        "the one before it was altered",
                    )
                )
            walk.chain = stored
        after = notifications[-1].id
    report.aggregates = len(walks)
    report.problems += _settlements(walks)
    return report


def _settlements(walks: dict[Any, _Walk]) -> list[Problem]:
    """A run says a candidate settled as queued or rejected: that candidate must have recorded it too."""
    found = []
    for run_id, walk in walks.items():
        if walk.kind != "run":
            continue
        for fact in walk.facts:
            if not isinstance(fact, f.CandidateSettled):
                continue
            mine = walks.get(_uuid(fact.candidate_id))
            want = f.Queued if fact.outcome == "queued" else f.Rejected
            if mine is None or not any(isinstance(x, want) for x in mine.facts):
                found.append(
                    Problem(
                        "removed",
                        fact.candidate_id,
                        None,
                        None,
                        f"candidate {fact.candidate_id}: its {want.__name__} event is missing (run "
                        f"{run_id} recorded it settled as {fact.outcome})",
                    )
                )
    return found


def _uuid(candidate_id: str) -> UUID | str:
    try:
        return UUID(candidate_id)
    except ValueError:
        return candidate_id
