"""Opening the configured ledger and tracking store for one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.ledger import AssayLedger
    from adapters.tracking import TrackingStore
from cli.errors import UserError


@contextmanager
def session() -> Iterator[tuple[AssayLedger, TrackingStore]]:
    """The configured ledger and tracking store; an unreachable store is a one-line UserError."""
    # Imported here: eventsourcing and psycopg load only for commands that open the ledger.
    from adapters.config import load_settings
    from adapters.ledger import LedgerUnavailable, open_ledger
    from adapters.tracking import open_tracking

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
