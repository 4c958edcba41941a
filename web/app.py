"""The review service as an ASGI app (Starlette): one ledger per app, blocking calls in a thread pool."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import logs
from adapters.config import Settings, load_settings
from domain.errors import DomainError
from web import api, auth, calibration, pages, tools
from web.errors import WebError, refusal
from web.throttle import Throttle

HERE = Path(__file__).resolve().parent
log = logs.get("assay.web")

# No inline script or style anywhere: a payload that smuggled markup past the escaping still could not run.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # not "no-referrer": Chromium then sends "Origin: null" on form posts
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the CSP and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


TOKEN_IN_URL = (
    "a token does not belong in a URL (it ends up in browser history and server logs), so this request was "
    "refused and the token was not checked: sign in with the form at /login, or send Authorization: Bearer "
    "<token> to the API. If it was a real token, consider it exposed: revoke it (`assay reviewer revoke NAME`) "
    "and add the reviewer again."
)


class NoTokenInUrl:
    """Refuses (400) any request with a token in its query string, before a route can echo it anywhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").decode("latin-1") if scope["type"] == "http" else ""
        if query and any(k.strip().lower() in auth.TOKEN_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True)):
            response = await refused(Request(scope), WebError(400, TOKEN_IN_URL))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    from web.render import as_json, markdown

    env.filters.update(markdown=markdown, as_json=as_json)
    return Jinja2Templates(env=env)


async def refused(request: Request, exc: Exception) -> Response:
    """A WebError (or a use case's domain error) as JSON under /api, else as the page's error view."""
    exc = refusal(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)
    context = {"message": exc.message, "status": exc.status, "flash": "", "csrf": ""}
    return request.app.state.templates.TemplateResponse(
        request, "error.html", context, status_code=exc.status, headers=exc.headers
    )


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def create_app(store_url: str | None = None, settings: Settings | None = None) -> Starlette:
    """The review page and API over the ledger at ``store_url`` (default: the configured store).

    ``settings`` default to the environment's (SettingsError when one is unusable)."""
    settings = settings or load_settings()
    if store_url:
        settings = dataclasses.replace(settings, store_url=store_url)
    url = settings.store_url

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from adapters.ledger import open_ledger
        from adapters.sessions import SessionStore
        from adapters.tracking import TrackingStore

        app.state.ledger = await run_in_threadpool(open_ledger, url)
        app.state.tracking = await run_in_threadpool(TrackingStore, url)
        app.state.sessions = await run_in_threadpool(SessionStore, url)
        log.info("review service started", store=url.split("@")[-1])
        try:
            yield
        finally:
            app.state.sessions.close()
            app.state.tracking.close()
            app.state.ledger.close()

    routes = [
        Route("/healthz", health),
        *api.routes,
        *pages.routes,
        *calibration.routes,
        *tools.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={WebError: refused, DomainError: refused})
    app.state.settings = settings
    app.state.secret = secrets.token_bytes(32)
    app.state.throttle = Throttle()
    app.state.templates = templates()
    app.add_middleware(NoTokenInUrl)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so the refusal above gets the headers too
    return app
