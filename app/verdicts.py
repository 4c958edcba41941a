"""Recording a reviewer's verdict, the one path for the page, its API and `assay review`.

Checked first, then load, record, save (optimistic concurrency). Every refusal is a domain error raised
before anything is saved (``InvalidInput``, ``NotFound``, ``NotReviewable``, ``Conflict``), so bad input
leaves the ledger unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters import logs
from adapters.ledger import AssayLedger
from app.history import load_candidate
from domain.errors import Conflict, InvalidInput, NotFound, NotReviewable
from domain.facts import VerdictGiven, is_verdict
from domain.reviewer import check_name
from recipes import payload_problems

log = logs.get("assay.review")
MAX_REASON = 4000


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


def record(
    ledger: AssayLedger, point_id: str, reviewer: str, verdict: str, reason: str = "", payload: Any = None
) -> VerdictGiven:
    """Record ``reviewer``'s verdict on a queued point and return it; a domain error when it cannot be."""
    check_name(reviewer)  # the one rule, whoever calls: the page, its API, `assay review`
    bound = log.bind(candidate_id=point_id, reviewer=reviewer, verdict=verdict)
    if not is_verdict(verdict):
        raise InvalidInput(f"unknown verdict {verdict!r}: use approve, reject or edit")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the annotation is too long ({len(reason)} characters; at most {MAX_REASON})")
    if verdict == "reject" and not reason:
        raise InvalidInput("a rejection needs a reason: say what is wrong with the point")
    edited = parse_payload(payload) if verdict == "edit" else None
    candidate = load_candidate(ledger, point_id)
    if candidate.status in ("approved", "declined"):
        last = candidate.verdicts[-1]
        raise NotReviewable(f"point {point_id} was already decided: {last.verdict} by {last.reviewer}")
    if candidate.status != "queued":
        raise NotReviewable(
            f"point {point_id} is {candidate.status}, not in the review queue; only queued points take a verdict"
        )
    if edited is not None:
        problems = payload_problems(candidate.recipe, edited, candidate.payload)
        if problems:
            raise InvalidInput(f"the edit breaks the {candidate.recipe} payload schema: {'; '.join(problems)}")
        if edited == candidate.payload:
            raise InvalidInput("the edit changes nothing; approve the point instead")
    fact = VerdictGiven(verdict=verdict, reviewer=reviewer, reason=reason, payload=edited)
    candidate.give_verdict(fact)
    try:
        ledger.save(candidate)
    except IntegrityError:
        # Another reviewer's verdict landed between our load and our save: theirs stands, ours is refused.
        raise Conflict(
            f"someone else decided this point first{_last(ledger, point_id)}; nothing of yours was recorded"
        ) from None
    bound.info("verdict recorded")
    return fact


def _last(ledger: AssayLedger, point_id: str) -> str:
    try:
        last = load_candidate(ledger, point_id).verdicts[-1]
    except (NotFound, IndexError):
        return ""
    return f" ({last.verdict} by {last.reviewer})"
