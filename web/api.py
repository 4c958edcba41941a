"""The JSON API under /api: the queue (search, progress), one point, the next undecided one, a verdict, bulk
verdicts, the reflection checklist.

Every call needs `Authorization: Bearer <token>`."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import checklist, review, verdicts
from web import reads
from web.auth import api_reviewer
from web.errors import WebError

MAX_BODY = 1_000_000


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status)


async def _object(request: Request, shape: str, empty_ok: bool = False) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is ``{}`` when ``empty_ok``); WebError 400 / 413."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise WebError(413, f"the request body is too large (at most {MAX_BODY} bytes)")
    if empty_ok and not raw.strip():
        return {}
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise WebError(400, f"send a JSON object: {shape}")
    return body


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str):
        raise WebError(422, f"{key} must be a string")
    return value


async def whoami(request: Request) -> JSONResponse:
    return _json({"reviewer": await api_reviewer(request)})


async def queue(request: Request) -> JSONResponse:
    await api_reviewer(request)
    state = request.app.state
    data = await run_in_threadpool(review.queue, state.ledger, state.tracking, review.Filters.of(request.query_params))
    return _json({"count": len(data["items"]), **data})


async def point(request: Request) -> JSONResponse:
    await api_reviewer(request)
    data = await run_in_threadpool(reads.point, request.app.state.ledger, request.path_params["point_id"])
    return _json(data)


async def next_point(request: Request) -> JSONResponse:
    """The next undecided point (``?after=ID`` and the queue's filters): {"point": {...}} or {"point": null}."""
    await api_reviewer(request)
    state = request.app.state
    filters = review.Filters.of(request.query_params)
    after = request.query_params.get("after", "").strip()
    for _ in range(20):  # a point decided between the pick and this read is passed over, never returned
        found = await run_in_threadpool(review.next_undecided, state.ledger, state.tracking, filters, after)
        if found is None:
            break
        data = await run_in_threadpool(reads.point, state.ledger, found)
        if data["status"] == "queued":
            return _json({"point": data})
        after = found
    return _json({"point": None, "message": "no undecided point matches these filters"})


async def bulk(request: Request) -> JSONResponse:
    """Body: {"ids": [...], "verdict": "approve" | "reject", "reason": "...", "dry_run": false}: one verdict for
    each point, sharing a bulk id; points decided already (or meanwhile) are skipped and listed."""
    who = await api_reviewer(request)
    body = await _object(request, '{"ids": [...], "verdict": "approve" | "reject", "reason": ..., "dry_run": false}')
    reason, dry_run = _string(body, "reason"), body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise WebError(422, "dry_run must be true or false")
    act = verdicts.plan_bulk if dry_run else verdicts.record_bulk
    done = await run_in_threadpool(
        act, request.app.state.ledger, body.get("ids"), who, str(body.get("verdict", "")), reason
    )
    return _json({"dry_run": dry_run, **done.as_dict()})


async def verdict(request: Request) -> JSONResponse:
    """Body: {"verdict": "approve" | "reject" | "edit", "reason": "...", "payload": {...} (for edit)}."""
    who = await api_reviewer(request)
    body = await _object(request, '{"verdict": "approve" | "reject" | "edit", "reason": ..., "payload": ...}')
    reason = _string(body, "reason")
    point_id = request.path_params["point_id"]
    fact = await run_in_threadpool(
        verdicts.record,
        request.app.state.ledger,
        point_id,
        who,
        str(body.get("verdict", "")),
        reason,
        body.get("payload"),
    )
    return _json(
        {
            "candidate_id": point_id,
            "recorded": {
                "verdict": fact.verdict,
                "reviewer": fact.reviewer,
                "reason": fact.reason,
                "payload": fact.payload,
            },
        }
    )


async def checklist_view(request: Request) -> JSONResponse:
    """Per recipe: the checklist version, its entries and the rates per checklist version (every version)."""
    await api_reviewer(request)
    state = request.app.state
    return _json({"recipes": await run_in_threadpool(checklist.view, state.ledger, state.tracking)})


async def _change(
    request: Request, who: str, action: str, item_id: str = "", text: str = "", reason: str = "", status: int = 200
) -> JSONResponse:
    recorded = await run_in_threadpool(
        checklist.change, request.app.state.ledger, request.path_params["recipe"], action, who, item_id, text, reason
    )
    return _json(recorded, status)


async def checklist_add(request: Request) -> JSONResponse:
    """Body: {"text": "..."}; 201 with the new item's id ("R1", ...)."""
    who = await api_reviewer(request)
    body = await _object(request, '{"text": "the criterion, as authors should read it"}')
    return await _change(request, who, "add", text=_string(body, "text"), status=201)


async def checklist_edit(request: Request) -> JSONResponse:
    """Body: {"text": "..."}: the new wording of a reviewer item (by id) or an observed one (by its text)."""
    who = await api_reviewer(request)
    body = await _object(request, '{"text": "the new wording"}')
    return await _change(request, who, "edit", item_id=request.path_params["item_id"], text=_string(body, "text"))


async def checklist_retire(request: Request) -> JSONResponse:
    """Body (optional): {"reason": "..."}."""
    who = await api_reviewer(request)
    body = await _object(request, '{"reason": "why it no longer belongs (optional)"}', empty_ok=True)
    return await _change(request, who, "retire", item_id=request.path_params["item_id"], reason=_string(body, "reason"))


routes = [
    Route("/api/whoami", whoami),
    Route("/api/queue", queue),
    Route("/api/points/{point_id}", point),
    Route("/api/points/{point_id}/verdict", verdict, methods=["POST"]),
    Route("/api/next", next_point),
    Route("/api/bulk", bulk, methods=["POST"]),
    Route("/api/checklist", checklist_view),
    Route("/api/checklist/{recipe}/items", checklist_add, methods=["POST"]),
    # An observed item's id is its text, which may hold "/" (sent as %2F): hence ":path", and retire first.
    Route("/api/checklist/{recipe}/items/{item_id:path}/retire", checklist_retire, methods=["POST"]),
    Route("/api/checklist/{recipe}/items/{item_id:path}", checklist_edit, methods=["POST"]),
]
