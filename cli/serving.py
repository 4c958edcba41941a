"""The serving side of `assay serve` (bus services and/or the review page) and `assay demo --open`."""

from __future__ import annotations

import asyncio
import os
import sys
import webbrowser
from typing import Any

import typer
from rich.console import Console

from cli.errors import UserError
from cli.running import (
    INTERRUPTED,
    Stop,
    interruptible,
    load_model_library,
    started_runtime,
    stop_on_signals,
    stop_runtime,
)

REVIEW = "review"
console = Console()


def chosen_services(names: list[str] | None, only: str | None) -> tuple[str, ...]:
    """The services named as arguments or with --only (default: the bus services, as before)."""
    from app.runtime import ALL_SERVICES

    if names and only:
        raise UserError("name the services either as arguments or with --only, not both")
    raw = names or (only.split(",") if only else list(ALL_SERVICES))
    chosen = tuple(dict.fromkeys(s.strip() for s in raw if s.strip()))
    known = (*ALL_SERVICES, REVIEW)
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        what = f"unknown service(s) {', '.join(unknown)}" if unknown else "no service named"
        raise UserError(f"{what}; known: {', '.join(known)}")
    return chosen


def _bind(host: str, port: int, fallback: bool = False) -> Any:
    from web.server import PortInUse, bind

    try:
        return bind(host, port)
    except PortInUse as exc:
        if fallback and port != 0:
            console.print(f"note: port {port} is busy; using a free one")
            return bind(host, 0)
        raise UserError(f"{exc}; pick another with --port") from None


async def _until_signal(signals: Stop, stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Wait for SIGINT/SIGTERM (``signals``) or for a server task to end by itself, then set ``stop`` (the servers'
    own) and let the tasks finish."""
    waiter = asyncio.create_task(signals.event.wait())
    await asyncio.wait({waiter, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    waiter.cancel()
    await asyncio.gather(waiter, *tasks, return_exceptions=True)


def _ended(signals: Stop) -> None:
    """Ctrl-C ends serving with 130, as an interrupted command; SIGTERM (a service manager stopping it) with 0."""
    if signals.interrupted:
        console.print("interrupted: stopped serving", markup=False)
        raise typer.Exit(INTERRUPTED)


def _check_ledger(store_url: str) -> None:
    """Fail with one clear line before serving when the ledger cannot be opened."""
    from adapters.ledger import LedgerUnavailable, open_ledger

    try:
        open_ledger(store_url).close()
    except LedgerUnavailable as exc:
        raise UserError(str(exc)) from None


def serve(chosen: tuple[str, ...], host: str, port: int) -> None:
    """Run the chosen services in this process until SIGINT/SIGTERM."""
    from adapters.config import load_settings

    settings = load_settings()
    bus_services = tuple(s for s in chosen if s != REVIEW)
    sock = None
    if REVIEW in chosen:
        _check_ledger(settings.store_url)
        sock = _bind(host, port)

    async def go() -> Stop:
        async with stop_on_signals() as signals:
            runtime = await started_runtime(signals, only=bus_services) if bus_services else None
            stop, tasks, where = asyncio.Event(), [], ""
            if sock is not None:
                from web.server import ReviewServer

                server = ReviewServer(sock, settings=settings)
                tasks.append(asyncio.create_task(server.run(stop)))
                where = f"; review page at {server.url}"
            console.print(f"serving {', '.join(chosen)}{where}; Ctrl-C to stop", markup=False, soft_wrap=True)
            try:
                await _until_signal(signals, stop, tasks)
            finally:
                if runtime is not None:
                    await stop_runtime(runtime, signals)
            return signals

    with interruptible("nothing was served"):
        if bus_services:
            load_model_library()
        _ended(asyncio.run(go()))


def _can_open_browser() -> bool:
    """Only where a graphical browser can appear (never a console browser taking over this terminal)."""
    graphical = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return graphical or sys.platform in ("darwin", "win32") or bool(os.environ.get("BROWSER"))


def open_review_page(host: str, port: int) -> None:
    """After the demo: a token for reviewer "demo", the page's URL, a browser if possible; serve until Ctrl-C."""
    from adapters.config import load_settings
    from adapters.ledger import open_ledger
    from app import reviewers
    from cli.session import review_sessions

    settings = load_settings()
    _check_ledger(settings.store_url)
    sock = _bind(host, port, fallback=True)
    ledger = open_ledger(settings.store_url)
    try:
        known = reviewers.load(ledger)
        existed = known is not None and "demo" in known.active
        with review_sessions() as sessions:  # the previous demo token's sessions end with it
            token = reviewers.rotate(ledger, "demo", sessions)
    finally:
        ledger.close()
    from web.server import url_of

    url = url_of(sock)
    note = " (a new one; the previous demo token is revoked)" if existed else ""
    for line in (
        f"\n[bold]Review page[/bold]: {url}",
        f"reviewer [bold]demo[/bold], token{note}: {token}",
        f"one-click sign-in: {url}/login#token={token}",
    ):
        console.print(line, highlight=False, soft_wrap=True)  # never wrapped: the link and token must copy whole
    if _can_open_browser():
        try:
            webbrowser.open(f"{url}/login#token={token}")
        except Exception as exc:  # no usable browser: the printed link is enough
            console.print(f"(could not open a browser: {exc})")
    console.print("serving the review page; Ctrl-C to stop")

    async def go() -> Stop:
        from web.server import ReviewServer

        async with stop_on_signals() as signals:
            server = ReviewServer(sock, settings=settings)
            stop = asyncio.Event()
            await _until_signal(signals, stop, [asyncio.create_task(server.run(stop))])
            return signals

    with interruptible("the page was not served"):
        _ended(asyncio.run(go()))
