"""The review page's tools that span points: the next undecided point, and bulk verdicts with a confirmation."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import review, verdicts
from domain.errors import DomainError
from web import auth
from web.errors import WebError, refusal
from web.pages import FLASH, queue_context, redirect, render_page, to_login


async def next_page(request: Request) -> Response:
    """On to the next undecided point (after ``?after=ID``, in the filtered queue); the queue when none is left."""
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    filters = review.Filters.of(request.query_params)
    state = request.app.state
    after = request.query_params.get("after", "").strip()
    found = await run_in_threadpool(review.next_undecided, state.ledger, state.tracking, filters, after)
    query = f"?{filters.query()}" if filters.query() else ""
    if found is None:
        response = redirect(f"/{query}")
        if not request.cookies.get(FLASH):  # keep a verdict's flash; else say why we landed on the queue
            response = redirect(f"/{query}", "no undecided point left in this set")
        return response
    return redirect(f"/points/{found}{query}")


async def bulk_form(request: Request) -> Response:
    """A bulk verdict: first a confirmation showing how many points it decides, then (``confirm``) the verdicts;
    a refusal shows the queue again with why, and nothing is recorded."""
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    form = await request.form()
    auth.check_form(request, str(form.get("csrf", "")))
    filters = review.Filters.of(form)
    ids = [str(v) for v in form.getlist("ids")]
    verdict, reason = str(form.get("verdict", "")), str(form.get("reason", ""))
    state = request.app.state
    act = verdicts.record_bulk if form.get("confirm") == "yes" else verdicts.plan_bulk
    try:
        done = await run_in_threadpool(act, state.ledger, ids, who, verdict, reason)
        if not done.recorded and act is verdicts.plan_bulk:
            raise WebError(409, "none of the selected points is waiting any more: " + _skips(done.skipped))
    except (WebError, DomainError) as refused:
        exc = refusal(refused)
        context = await queue_context(request, filters)
        context.update(error=exc.message, bulk_reason=reason, selected=ids)
        return render_page(request, "queue.html", {"reviewer": who, **context}, status=exc.status)
    query = f"?{filters.query()}" if filters.query() else ""
    if act is verdicts.plan_bulk:
        rows = await run_in_threadpool(review.queue, state.ledger, state.tracking, review.Filters())
        previews = {q["candidate_id"]: q["preview"] for q in rows["items"]}
        context = {
            "reviewer": who,
            "plan": done,
            "points": [(cid, previews.get(cid, "")) for cid in done.recorded],
            "filters": filters.as_dict(),
            "query": filters.query(),
            "back": f"/{query}",
        }
        return render_page(request, "bulk_confirm.html", context)
    word = {"approve": "approved", "reject": "rejected"}[done.verdict]
    count = len(done.recorded)
    flash = f"{word} {count} point{'s' if count != 1 else ''} by {who} (bulk {done.bulk_id[:8]})"
    if done.skipped:
        flash += f"; skipped {len(done.skipped)}: {_skips(done.skipped)}"
    return redirect(f"/{query}", flash)


def _skips(skipped: list[dict[str, str]]) -> str:
    shown = "; ".join(f"{s['candidate_id'][:8]} {s['reason']}" for s in skipped[:5])
    return shown + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")


routes = [
    Route("/next", next_page),
    Route("/bulk", bulk_form, methods=["POST"]),
]
