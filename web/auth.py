"""Who is asking: a reviewer's token from `Authorization: Bearer` (API) or an HttpOnly cookie (pages).

Pages also carry a CSRF token in every form: an HMAC of the session token's hash under a secret held by
this process, checked on each POST together with the Origin header. The cookie is SameSite=Strict, so a
cross-site request does not carry it in the first place; the form token is the second lock.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlparse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import reviewers
from web.errors import WebError

COOKIE = "assay_session"
LOGIN_HINT = "create a token with `assay reviewer add NAME`"


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def reviewer_for(request: Request, token: str) -> str | None:
    """The active reviewer holding ``token`` (None for a missing, unknown or revoked token)."""
    if not token or len(token) > 200:
        return None
    return await run_in_threadpool(reviewers.authenticate, request.app.state.ledger, token)


async def api_reviewer(request: Request) -> str:
    """The API caller's reviewer name; WebError 401 without a valid bearer token."""
    token = bearer(request)
    name = await reviewer_for(request, token)
    if name is None:
        why = "no bearer token" if not token else "the token is unknown or was revoked"
        raise WebError(401, f"{why}: send Authorization: Bearer <token> ({LOGIN_HINT})")
    return name


async def page_reviewer(request: Request) -> str | None:
    """The page visitor's reviewer name from the session cookie, or None."""
    return await reviewer_for(request, request.cookies.get(COOKIE, ""))


def csrf_token(request: Request) -> str:
    """The form token for this session (changes with the session and with every restart of the service)."""
    session = hashlib.sha256(request.cookies.get(COOKIE, "").encode()).hexdigest()
    return hmac.new(request.app.state.secret, session.encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another origin."""
    origin = request.headers.get("origin")
    if origin is None:  # not sent by every client; a browser always sends it on a form POST
        return True
    # Host only, not the scheme: behind a TLS-terminating proxy the app itself sees plain http.
    return urlparse(origin).netloc == request.headers.get("host", "")


def check_form(request: Request, form_token: str) -> None:
    """Refuse a page POST from another origin or without this session's form token."""
    if not same_origin(request):
        raise WebError(403, "refused: this form was posted from another site")
    if not hmac.compare_digest(str(form_token), csrf_token(request)):
        raise WebError(403, "the form has expired (the service restarted or you signed in again): reload the page")


def set_session(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/", max_age=12 * 3600)


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
