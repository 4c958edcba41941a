"""Serving the review app with uvicorn inside an asyncio program that owns the signals."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Generator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from adapters.config import Settings
from web.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class PortInUse(Exception):
    """The address to serve on cannot be bound."""


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the caller decides when to stop (``should_exit``)."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one); PortInUse with the reason when it cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"cannot serve the review page on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def server_config(app: ASGIApp) -> uvicorn.Config:
    """uvicorn's settings for the review app. Its proxy headers are off: uvicorn would otherwise take the client
    address and scheme from X-Forwarded-* of any local peer, and the sign-in throttle counts by that address;
    the app reads X-Forwarded-For itself, only as far as ASSAY_TRUSTED_PROXIES says (web/throttle.py)."""
    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", proxy_headers=False)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class ReviewServer:
    """The review app on a bound socket; ``await run(stop)`` serves until ``stop`` is set."""

    def __init__(self, sock: socket.socket, store_url: str | None = None, settings: Settings | None = None) -> None:
        self.sock = sock
        self.url = url_of(sock)
        self.server = _Server(server_config(create_app(store_url, settings)))

    async def run(self, stop: asyncio.Event) -> None:
        task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        self.server.should_exit = True
        waiter.cancel()
        await task
        self.sock.close()

    @property
    def started(self) -> bool:
        return self.server.started
