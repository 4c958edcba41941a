"""Recording a reviewer's verdict: checked first, then load, record, save (optimistic concurrency).

Every refusal is a WebError raised before anything is saved, so the ledger is unchanged by bad input.
"""

from __future__ import annotations

import json
from typing import Any

from adapters import logs
from adapters.ledger import AssayLedger
from domain.facts import VerdictGiven, is_verdict
from recipes.conformance import payload_problems
from web.errors import WebError
from web.reads import load_candidate

log = logs.get("assay.review")
MAX_REASON = 4000


def parse_payload(value: Any) -> dict[str, Any]:
    """An edited payload given as a JSON object or as JSON text (the page's textarea)."""
    if isinstance(value, str):
        if not value.strip():
            raise WebError(422, "an edit needs the whole edited payload (a JSON object)")
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise WebError(
                422, f"the edited payload is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
    if not isinstance(value, dict):
        raise WebError(422, "the edited payload must be a JSON object holding the whole payload")
    return value


def record(
    ledger: AssayLedger, point_id: str, reviewer: str, verdict: str, reason: str = "", payload: Any = None
) -> VerdictGiven:
    """Record ``reviewer``'s verdict on a queued point; WebError (404, 409, 422) when it cannot be."""
    bound = log.bind(candidate_id=point_id, reviewer=reviewer, verdict=verdict)
    if not is_verdict(verdict):
        raise WebError(422, f"unknown verdict {verdict!r}: use approve, reject or edit")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise WebError(422, f"the annotation is too long ({len(reason)} characters; at most {MAX_REASON})")
    if verdict == "reject" and not reason:
        raise WebError(422, "a rejection needs a reason: say what is wrong with the point")
    edited = parse_payload(payload) if verdict == "edit" else None
    candidate = load_candidate(ledger, point_id)
    if candidate.status in ("approved", "declined"):
        last = candidate.verdicts[-1]
        raise WebError(409, f"already decided: {last.verdict} by {last.reviewer}")
    if candidate.status != "queued":
        raise WebError(
            409, f"point {point_id} is {candidate.status}, not in the review queue; only queued points take a verdict"
        )
    if edited is not None:
        problems = payload_problems(candidate.recipe, edited, candidate.payload)
        if problems:
            raise WebError(422, f"the edit breaks the {candidate.recipe} payload schema: {'; '.join(problems)}")
        if edited == candidate.payload:
            raise WebError(422, "the edit changes nothing; approve the point instead")
    fact = VerdictGiven(verdict=verdict, reviewer=reviewer, reason=reason, payload=edited)
    candidate.give_verdict(fact)
    _save(ledger, candidate, point_id)
    bound.info("verdict recorded")
    return fact


def _save(ledger: AssayLedger, candidate: Any, point_id: str) -> None:
    from eventsourcing.persistence import IntegrityError

    try:
        ledger.save(candidate)
    except IntegrityError:
        # Another reviewer's verdict landed between our load and our save: theirs stands, ours is refused.
        try:
            last = load_candidate(ledger, point_id).verdicts[-1]
            who = f" ({last.verdict} by {last.reviewer})"
        except (WebError, IndexError):
            who = ""
        raise WebError(409, f"someone else decided this point first{who}; nothing of yours was recorded") from None
