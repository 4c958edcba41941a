"""The review service as an ASGI app (Starlette): one ledger per app, blocking calls in a thread pool."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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
from domain.errors import DomainError
from web import api, pages
from web.errors import WebError, refusal

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


def templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    from web.render import as_json, markdown

    env.filters.update(markdown=markdown, as_json=as_json)
    return Jinja2Templates(env=env)


async def refused(request: Request, exc: Exception) -> Response:
    """A WebError (or a use case's domain error) as JSON under /api, else as the page's error view."""
    exc = refusal(exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    context = {"message": exc.message, "status": exc.status, "flash": "", "csrf": ""}
    return request.app.state.templates.TemplateResponse(request, "error.html", context, status_code=exc.status)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


def create_app(store_url: str | None = None) -> Starlette:
    """The review page and API over the ledger at ``store_url`` (default: the configured store)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from adapters.config import load_settings
        from adapters.ledger import open_ledger
        from adapters.tracking import TrackingStore

        url = store_url or load_settings().store_url
        app.state.ledger = await run_in_threadpool(open_ledger, url)
        app.state.tracking = await run_in_threadpool(TrackingStore, url)
        log.info("review service started", store=url.split("@")[-1])
        try:
            yield
        finally:
            app.state.tracking.close()
            app.state.ledger.close()

    routes = [
        Route("/healthz", health),
        *api.routes,
        *pages.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={WebError: refused, DomainError: refused})
    app.state.secret = secrets.token_bytes(32)
    app.state.templates = templates()
    app.add_middleware(SecurityHeaders)
    return app
