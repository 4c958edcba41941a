"""Who is asking: a reviewer's token in `Authorization: Bearer` (API), or a server-side session (pages).

Signing in on the page trades the token for a session: a random id in an HttpOnly, SameSite=Strict cookie
(Secure over https), whose SHA-256 the session store keeps with the reviewer and the expiry (app/sessions.py).
The token itself never goes into a cookie or a URL. Wrong tokens count against the client (web/throttle.py).

Pages also carry a CSRF token in every form: an HMAC of the session id's hash under a secret held by this
process, checked on each POST together with the Origin header. The cookie is SameSite=Strict, so a
cross-site request does not carry it in the first place; the form token is the second lock.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlparse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from adapters import logs
from app import reviewers, sessions
from web.errors import WebError
from web.throttle import Throttle, client_of

log = logs.get("assay.web")
COOKIE = "assay_session"
LOGIN_HINT = "create a token with `assay reviewer add NAME`"
MAX_TOKEN = 200  # longer is not a token of ours: refused without a lookup
TOKEN_PARAMS = frozenset({"token", "access_token"})  # query names refused on every route (web/app.NoTokenInUrl)


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _throttle(request: Request) -> tuple[Throttle, str]:
    state = request.app.state
    return state.throttle, client_of(request, state.settings.trusted_proxies)


def throttled(request: Request) -> int:
    """Seconds this client must wait before its next sign-in (0: it may try now)."""
    throttle, client = _throttle(request)
    return throttle.wait(client)


def too_many(wait: int) -> WebError:
    return WebError(
        429,
        f"too many wrong tokens from your address: try again in {wait} s (the token was not checked)",
        headers={"Retry-After": str(wait)},
    )


def failed(request: Request) -> None:
    """Count a wrong token against this client (logged once it is held back)."""
    throttle, client = _throttle(request)
    throttle.failed(client)
    if throttle.wait(client):
        log.warning("sign-in throttled: too many wrong tokens", client=client, path=request.url.path)


async def _reviewer_by_token(request: Request, token: str) -> str | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    return await run_in_threadpool(reviewers.authenticate, request.app.state.ledger, token)


async def api_reviewer(request: Request) -> str:
    """The API caller's reviewer name; WebError 401 without a valid bearer token, 429 while throttled."""
    wait = throttled(request)
    if wait:
        raise too_many(wait)
    token = bearer(request)
    name = await _reviewer_by_token(request, token)
    if name is None:
        if token:  # no token at all is a missing header, not a guess
            failed(request)
        why = "no bearer token" if not token else "the token is unknown or was revoked"
        raise WebError(401, f"{why}: send Authorization: Bearer <token> ({LOGIN_HINT})")
    return name


async def sign_in(request: Request, token: str) -> tuple[str, str] | None:
    """(session id, reviewer) for a good token; None (counted as a failure) for a wrong one. Check
    ``throttled`` first: this looks at the token."""
    state = request.app.state
    if token and len(token) <= MAX_TOKEN:
        made = await run_in_threadpool(
            sessions.sign_in, state.ledger, state.sessions, token, state.settings.session_hours
        )
        if made is not None:
            return made
    if token:
        failed(request)
    return None


async def sign_out(request: Request) -> None:
    await run_in_threadpool(sessions.sign_out, request.app.state.sessions, request.cookies.get(COOKIE, ""))


async def page_reviewer(request: Request) -> str | None:
    """The page visitor's reviewer name from the session cookie, or None."""
    session_id = request.cookies.get(COOKIE, "")
    if not session_id:
        return None
    state = request.app.state
    return await run_in_threadpool(sessions.reviewer_for, state.ledger, state.sessions, session_id)


def csrf_token(request: Request) -> str:
    """The form token for this session (changes with the session and with every restart of the service)."""
    session = sessions.id_sha256(request.cookies.get(COOKIE, ""))
    return hmac.new(request.app.state.secret, session.encode(), "sha256").hexdigest()


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


def over_https(request: Request) -> bool:
    """The browser reached us over https: directly, or through a proxy that says so."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_session(request: Request, response: Response, session_id: str) -> None:
    """The session cookie: only the session id (never the token), for as long as the session lasts."""
    max_age = int(request.app.state.settings.session_hours * 3600)
    response.set_cookie(
        COOKIE, session_id, httponly=True, samesite="strict", path="/", max_age=max_age, secure=over_https(request)
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=over_https(request))
