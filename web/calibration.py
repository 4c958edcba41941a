"""Gate calibration on the review service: the /calibration page and GET /api/calibration.

How often reviewers rejected or edited points the gates passed (``app.calibration``, shared with `assay status`).
Apart from pages.py and api.py so the queue and point pages can change without touching it."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import calibration
from web.api import _json
from web.auth import api_reviewer, page_reviewer
from web.pages import render_page, to_login

VERSIONS = 12  # on the page, older checklist versions are summed into one row (the API has every version)
REASONS = 3


async def page(request: Request) -> Response:
    who = await page_reviewer(request)
    if who is None:
        return to_login(request)
    state = request.app.state
    report = await run_in_threadpool(calibration.calibration, state.ledger, state.tracking)
    rows = calibration.table(report, VERSIONS, REASONS) if report["decided"] else []
    reasons = calibration.reasons_table(report, top=20)
    context = {"reviewer": who, "report": report, "rows": rows, "reasons": reasons}
    return render_page(request, "calibration.html", context)


async def api(request: Request) -> JSONResponse:
    """The calibration as `assay status --json` has it under ``gate_calibration`` (docs/calibration.md)."""
    await api_reviewer(request)
    state = request.app.state
    return _json(await run_in_threadpool(calibration.calibration, state.ledger, state.tracking))


routes = [Route("/calibration", page), Route("/api/calibration", api)]
