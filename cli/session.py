"""Opening the configured ledger, tracking store and review-page session store for one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.ledger import AssayLedger
    from adapters.sessions import SessionStore
    from adapters.tracking import TrackingStore
from cli.errors import UserError


@contextmanager
def session() -> Iterator[tuple[AssayLedger, TrackingStore]]:
    """The configured ledger and tracking store; an unreachable store is a one-line UserError. Logs are configured
    too (to stderr, at $ASSAY_LOG_LEVEL): unconfigured structlog would print use cases' info lines on stdout."""
    # Imported here: eventsourcing and psycopg load only for commands that open the ledger.
    from adapters import logs
    from adapters.config import load_settings
    from adapters.ledger import LedgerUnavailable, open_ledger
    from adapters.tracking import open_tracking

    logs.configure()
    try:
        url = load_settings().store_url
        ledger = open_ledger(url)
        tracking = open_tracking(url)
    except LedgerUnavailable as exc:
        raise UserError(str(exc)) from None
    try:
        yield ledger, tracking
    finally:
        tracking.close()
        ledger.close()


@contextmanager
def review_sessions() -> Iterator[SessionStore]:
    """The review page's session store (beside the configured ledger); unreachable is a one-line UserError."""
    from adapters.config import load_settings
    from adapters.ledger import LedgerUnavailable
    from adapters.sessions import open_sessions

    try:
        store = open_sessions(load_settings().store_url)
    except LedgerUnavailable as exc:
        raise UserError(str(exc)) from None
    try:
        yield store
    finally:
        store.close()
