"""Recording a reviewer's verdict, the one path for the page, its API and `assay review`; and bulk verdicts.

Checked first, then load, record, save (optimistic concurrency). Every refusal is a domain error raised
before anything is saved (``InvalidInput``, ``NotFound``, ``NotReviewable``, ``Conflict``), so bad input
leaves the ledger unchanged. A bulk action checks all its input and every point first, then records each
verdict the same way, one save per point; a point decided meanwhile is skipped and reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from adapters import logs
from adapters.ledger import AssayLedger
from app.history import load_candidate
from domain.candidate import Candidate
from domain.errors import Conflict, InvalidInput, NotFound, NotReviewable
from domain.facts import Verdict, VerdictGiven, is_verdict
from domain.reviewer import check_name
from recipes import payload_problems

log = logs.get("assay.review")
MAX_REASON = 4000
MAX_BULK = 500  # points per bulk action (a form also stays under Starlette's 1000 fields)
BULK_VERDICTS = ("approve", "reject")


def parse_payload(value: Any) -> dict[str, Any]:
    """An edited payload given as a JSON object or as JSON text (the page's textarea)."""
    if isinstance(value, str):
        if not value.strip():
            raise InvalidInput("an edit needs the whole edited payload (a JSON object)")
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"the edited payload is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
    if not isinstance(value, dict):
        raise InvalidInput("the edited payload must be a JSON object holding the whole payload")
    return value


def _checked(reviewer: str, verdict: str, reason: str, payload: Any) -> tuple[Verdict, str, dict[str, Any] | None]:
    """The checks every verdict passes before anything is loaded: (the verdict, the reason stripped, the edited
    payload)."""
    check_name(reviewer)  # the one rule, whoever calls: the page, its API, `assay review`
    if not is_verdict(verdict):
        raise InvalidInput(f"unknown verdict {verdict!r}: use approve, reject or edit")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the annotation is too long ({len(reason)} characters; at most {MAX_REASON})")
    if verdict == "reject" and not reason:
        raise InvalidInput("a rejection needs a reason: say what is wrong with the point")
    return verdict, reason, (parse_payload(payload) if verdict == "edit" else None)


def _decided(candidate: Candidate) -> str:
    """How ``candidate`` was decided ("approve by ana"); "" while it waits or was never queued."""
    if candidate.status in ("approved", "declined"):
        last = candidate.verdicts[-1]
        return f"{last.verdict} by {last.reviewer}"
    return ""


def _reviewable(candidate: Candidate, point_id: str) -> None:
    decided = _decided(candidate)
    if decided:
        raise NotReviewable(f"point {point_id} was already decided: {decided}")
    if candidate.status != "queued":
        raise NotReviewable(
            f"point {point_id} is {candidate.status}, not in the review queue; only queued points take a verdict"
        )


def _give(ledger: AssayLedger, candidate: Candidate, point_id: str, fact: VerdictGiven) -> None:
    """Record ``fact`` on the loaded ``candidate`` (optimistic concurrency: Conflict when a verdict beat it)."""
    candidate.give_verdict(fact)
    try:
        ledger.save(candidate)
    except IntegrityError:
        # Another reviewer's verdict landed between our load and our save: theirs stands, ours is refused.
        raise Conflict(
            f"someone else decided this point first{_last(ledger, point_id)}; nothing of yours was recorded"
        ) from None


def record(
    ledger: AssayLedger, point_id: str, reviewer: str, verdict: str, reason: str = "", payload: Any = None
) -> VerdictGiven:
    """Record ``reviewer``'s verdict on a queued point and return it; a domain error when it cannot be."""
    given, reason, edited = _checked(reviewer, verdict, reason, payload)
    bound = log.bind(candidate_id=point_id, reviewer=reviewer, verdict=verdict)
    candidate = load_candidate(ledger, point_id)
    _reviewable(candidate, point_id)
    if edited is not None:
        problems = payload_problems(candidate.recipe, edited, candidate.payload)
        if problems:
            raise InvalidInput(f"the edit breaks the {candidate.recipe} payload schema: {'; '.join(problems)}")
        if edited == candidate.payload:
            raise InvalidInput("the edit changes nothing; approve the point instead")
    fact = VerdictGiven(verdict=given, reviewer=reviewer, reason=reason, payload=edited)
    _give(ledger, candidate, point_id, fact)
    bound.info("verdict recorded")
    return fact


# --- bulk: one verdict for many points, each recorded as a single one is ----------------------------


@dataclass
class Bulk:
    """A bulk action: the points it decides (or would) and those it skips, each with why."""

    verdict: Verdict
    reviewer: str
    reason: str
    bulk_id: str = ""
    recorded: list[str] = field(default_factory=list)  # decided by this action (planned, in a dry run)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"candidate_id", "reason"}
    _loaded: dict[str, Candidate] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bulk_id": self.bulk_id,
            "verdict": self.verdict,
            "reviewer": self.reviewer,
            "reason": self.reason,
            "recorded": list(self.recorded),
            "skipped": list(self.skipped),
        }


def bulk_ids(value: Any) -> list[str]:
    """The points of a bulk action: a non-empty list of ids (repeats count once), at most MAX_BULK."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("ids must be a list of point ids")
    ids = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if not ids:
        raise InvalidInput("select at least one point")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"a bulk action takes at most {MAX_BULK} points ({len(ids)} selected); narrow the filter")
    return ids


def plan_bulk(ledger: AssayLedger, ids: Any, reviewer: str, verdict: str, reason: str = "") -> Bulk:
    """What a bulk action would do, checked whole before anything is recorded: every input check of a single
    verdict, every id a queued or decided point (a decided one is skipped). A domain error otherwise."""
    if verdict not in BULK_VERDICTS:
        raise InvalidInput(f"a bulk action approves or rejects (not {verdict!r}); edit points one at a time")
    given, reason, _ = _checked(reviewer, verdict, reason, None)
    plan = Bulk(verdict=given, reviewer=reviewer, reason=reason)
    for point_id in bulk_ids(ids):
        candidate = load_candidate(ledger, point_id)
        decided = _decided(candidate)
        if decided:
            plan.skipped.append({"candidate_id": point_id, "reason": f"already decided: {decided}"})
            continue
        _reviewable(candidate, point_id)
        plan.recorded.append(point_id)
        plan._loaded[point_id] = candidate
    return plan


def record_bulk(ledger: AssayLedger, ids: Any, reviewer: str, verdict: str, reason: str = "") -> Bulk:
    """Give one verdict to many points: each its own ``VerdictGiven`` sharing a new bulk id, recorded as a single
    verdict is. A point decided before or during the action is skipped and reported, never decided twice."""
    plan = plan_bulk(ledger, ids, reviewer, verdict, reason)
    done = Bulk(verdict=plan.verdict, reviewer=reviewer, reason=plan.reason, bulk_id=uuid4().hex)
    done.skipped = list(plan.skipped)
    bound = log.bind(bulk_id=done.bulk_id, reviewer=reviewer, verdict=verdict)
    for point_id in plan.recorded:
        fact = VerdictGiven(verdict=plan.verdict, reviewer=reviewer, reason=plan.reason, bulk_id=done.bulk_id)
        try:
            _give(ledger, plan._loaded[point_id], point_id, fact)
        except (Conflict, NotReviewable):
            done.skipped.append({"candidate_id": point_id, "reason": f"decided meanwhile{_last(ledger, point_id)}"})
            continue
        done.recorded.append(point_id)
    bound.info("bulk verdicts recorded", recorded=len(done.recorded), skipped=len(done.skipped))
    return done


def _last(ledger: AssayLedger, point_id: str) -> str:
    try:
        last = load_candidate(ledger, point_id).verdicts[-1]
    except (NotFound, IndexError):
        return ""
    return f" ({last.verdict} by {last.reviewer})"
