"""The review page: login, the queue with filters, search and progress, one point with its verdict forms, the
reflection checklist. The next undecided point and bulk verdicts: web/tools.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app import checklist, review, verdicts
from domain.checklist_book import MAX_TEXT as MAX_ITEM_TEXT
from domain.errors import DomainError
from web import auth, checklist_layout, reads
from web.errors import WebError, refusal
from web.render import as_json

FLASH = "assay_flash"


def render_page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    flash = unquote(request.cookies.get(FLASH, ""))
    context = {"flash": flash, "csrf": auth.csrf_token(request), **context}
    response = request.app.state.templates.TemplateResponse(request, name, context, status_code=status)
    if flash:
        response.delete_cookie(FLASH, path="/")
    return response


def redirect(url: str, flash: str = "") -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH, quote(flash[:300]), httponly=True, samesite="strict", path="/", max_age=60)
    return response


def to_login(request: Request) -> RedirectResponse:
    return redirect(f"/login?next={quote(request.url.path + ('?' + request.url.query if request.url.query else ''))}")


def _safe_next(value: str) -> str:
    """A local path to go on to after signing in ("/" for anything else); a token in its query is dropped."""

    def local(path: str) -> bool:  # control characters too: browsers drop tabs and newlines, "/\t/x" is "//x"
        return path.startswith("/") and not path.startswith("//") and "\\" not in path and path.isprintable()

    if not local(value):
        return "/"
    parts = urlsplit(value)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.strip().lower() not in auth.TOKEN_PARAMS
    ]
    cleaned = urlunsplit(("", "", parts.path, urlencode(query), ""))
    return cleaned if local(cleaned) else "/"


async def login(request: Request) -> Response:
    """The sign-in form; a good token (posted in the body only) starts a session and goes on to ``next``."""
    if request.method == "GET":
        return render_page(request, "login.html", {"next": _safe_next(request.query_params.get("next", "/"))})
    form = await request.form()
    target = _safe_next(str(form.get("next", "/")))
    if not auth.same_origin(request):
        raise WebError(403, "refused: this form was posted from another site")
    wait = auth.throttled(request)
    if wait:  # the token is not even looked at
        refused = auth.too_many(wait)
        response = render_page(request, "login.html", {"next": target, "error": refused.message}, status=429)
        response.headers.update(refused.headers)
        return response
    made = await auth.sign_in(request, str(form.get("token", "")).strip())
    if made is None:
        error = "that token is not valid (unknown or revoked); " + auth.LOGIN_HINT
        return render_page(request, "login.html", {"next": target, "error": error}, status=401)
    session_id, name = made
    await auth.sign_out(request)  # the session this browser had before, if any
    response = redirect(target, f"signed in as {name}")
    auth.set_session(request, response, session_id)
    return response


async def logout(request: Request) -> Response:
    """End the session here and on the server: the old cookie no longer works, even if replayed."""
    form = await request.form()
    auth.check_form(request, str(form.get("csrf", "")))
    await auth.sign_out(request)
    response = redirect("/login", "signed out")
    auth.clear_session(request, response)
    return response


async def queue_page(request: Request) -> Response:
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    context = await queue_context(request, review.Filters.of(request.query_params))
    return render_page(request, "queue.html", {"reviewer": who, **context})


def _neighbours(ids: list[str], current: str) -> tuple[str | None, str | None]:
    """(previous, next) of ``current`` in the filtered queue; a point not in it leads to the first."""
    if current not in ids:
        return None, (ids[0] if ids else None)
    i = ids.index(current)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)


async def _point_context(request: Request, point_id: str, filters: review.Filters) -> dict[str, Any]:
    state = request.app.state
    data = await run_in_threadpool(reads.point, state.ledger, point_id)
    listed = await run_in_threadpool(review.queue, state.ledger, state.tracking, filters)
    ids = [q["candidate_id"] for q in listed["items"]]
    prev_id, next_id = _neighbours(ids, point_id)
    return {
        "p": data,
        "query": filters.query(),
        "filters": filters.as_dict(),
        "prev_id": prev_id,
        "next_id": next_id,
        "position": (ids.index(point_id) + 1) if point_id in ids else None,
        "queued": len(ids),
        "progress": listed["progress"],
        "edit_text": as_json(data["payload"]),
        "reason_text": "",
        "open_form": "",
    }


async def point_page(request: Request) -> Response:
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    filters = review.Filters.of(request.query_params)
    context = await _point_context(request, request.path_params["point_id"], filters)
    return render_page(request, "point.html", {"reviewer": who, **context})


async def verdict_form(request: Request) -> Response:
    """Record the posted verdict, then go on to the next point; on a refusal, show the page again with why."""
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    form = await request.form()
    auth.check_form(request, str(form.get("csrf", "")))
    point_id = request.path_params["point_id"]
    filters = review.Filters.of(form)
    verdict, reason, payload = (str(form.get(k, "")) for k in ("verdict", "reason", "payload"))
    context = await _point_context(request, point_id, filters)
    try:
        await run_in_threadpool(
            verdicts.record,
            request.app.state.ledger,
            point_id,
            who,
            verdict,
            reason,
            payload if verdict == "edit" else None,
        )
    except (WebError, DomainError) as refused:
        exc = refusal(refused)
        if exc.status == 404:
            raise exc from None
        context.update(
            error=exc.message,
            reason_text=reason,
            open_form=verdict,
            edit_text=payload if verdict == "edit" else context["edit_text"],
        )
        return render_page(request, "point.html", {"reviewer": who, **context}, status=exc.status)
    done = f"{verdict} recorded for {point_id[:8]} by {who}"
    return redirect(next_url(filters, point_id), done)


def next_url(filters: review.Filters, after: str = "") -> str:
    """The next undecided point after ``after`` in the filtered queue (web/tools.py finds it)."""
    query = filters.query()
    return "/next?" + "&".join(x for x in (f"after={quote(after)}" if after else "", query) if x)


async def queue_context(request: Request, filters: review.Filters) -> dict[str, Any]:
    state = request.app.state
    data = await run_in_threadpool(review.queue, state.ledger, state.tracking, filters)
    reflection = await run_in_threadpool(checklist.view, state.ledger, state.tracking)
    return {"query": filters.query(), **data, "checklists": checklist_layout.summary(reflection)}


async def _checklist_page(
    request: Request, who: str, status: int = 200, error: str = "", posted: dict[str, str] | None = None
) -> Response:
    state = request.app.state
    data = await run_in_threadpool(checklist.view, state.ledger, state.tracking)
    context = {
        "reviewer": who,
        "recipes": checklist_layout.page(data),
        "error": error,
        "posted": posted or {},
        "max_text": MAX_ITEM_TEXT,
    }
    return render_page(request, "checklist.html", context, status=status)


async def checklist_page(request: Request) -> Response:
    who = await auth.page_reviewer(request)
    if who is None:
        return to_login(request)
    return await _checklist_page(request, who)


async def checklist_form(request: Request) -> Response:
    """Add, edit or retire an item as the signed-in reviewer; on a refusal, show the page again with why."""
    who = await auth.page_reviewer(request)
    if who is None:
        return redirect("/login?next=/checklist")
    form = await request.form()
    auth.check_form(request, str(form.get("csrf", "")))
    recipe, action = request.path_params["recipe"], request.path_params["action"]
    checklist.check_target(recipe, action)  # else the error page: there is no form to show again
    posted = {k: str(form.get(k, "")) for k in ("item_id", "text", "reason")}
    try:
        done = await run_in_threadpool(checklist.change, request.app.state.ledger, recipe, action, who, **posted)
    except (WebError, DomainError) as refused:
        exc = refusal(refused)
        return await _checklist_page(
            request, who, exc.status, exc.message, {"recipe": recipe, "action": action, **posted}
        )
    return redirect(f"/checklist#recipe-{recipe}", done["message"])


routes = [
    Route("/", queue_page),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/points/{point_id}", point_page),
    Route("/points/{point_id}/verdict", verdict_form, methods=["POST"]),
    Route("/checklist", checklist_page),
    Route("/checklist/{recipe}/{action}", checklist_form, methods=["POST"]),
]
