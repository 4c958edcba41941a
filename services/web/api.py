"""The JSON API under /api: the queue, one point, a verdict. Every call needs `Authorization: Bearer <token>`."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.web import reads, verdicts
from services.web.auth import api_reviewer
from services.web.errors import WebError

MAX_BODY = 1_000_000


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status)


async def whoami(request: Request) -> JSONResponse:
    return _json({"reviewer": await api_reviewer(request)})


async def queue(request: Request) -> JSONResponse:
    await api_reviewer(request)
    state = request.app.state
    data = await run_in_threadpool(reads.queue, state.ledger, state.tracking, reads.Filters.of(request.query_params))
    return _json({"count": len(data["items"]), **data})


async def point(request: Request) -> JSONResponse:
    await api_reviewer(request)
    data = await run_in_threadpool(reads.point, request.app.state.ledger, request.path_params["point_id"])
    return _json(data)


async def verdict(request: Request) -> JSONResponse:
    """Body: {"verdict": "approve" | "reject" | "edit", "reason": "...", "payload": {...} (for edit)}."""
    who = await api_reviewer(request)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise WebError(413, f"the request body is too large (at most {MAX_BODY} bytes)")
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise WebError(400, 'send a JSON object: {"verdict": "approve" | "reject" | "edit", "reason": ..., '
                            '"payload": ...}')
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        raise WebError(422, "reason must be a string")
    point_id = request.path_params["point_id"]
    fact = await run_in_threadpool(verdicts.record, request.app.state.ledger, point_id, who,
                                   str(body.get("verdict", "")), reason, body.get("payload"))
    return _json({"candidate_id": point_id, "recorded": {"verdict": fact.verdict, "reviewer": fact.reviewer,
                                                         "reason": fact.reason, "payload": fact.payload}})


routes = [
    Route("/api/whoami", whoami),
    Route("/api/queue", queue),
    Route("/api/points/{point_id}", point),
    Route("/api/points/{point_id}/verdict", verdict, methods=["POST"]),
]
