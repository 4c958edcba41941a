"""Opening the configured ledger and tracking store for one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters import bootstrap
from adapters.ledger import AssayLedger, LedgerUnavailable
from adapters.tracking import TrackingStore
from cli.errors import UserError


@contextmanager
def session() -> Iterator[tuple[AssayLedger, TrackingStore]]:
    """The configured ledger and tracking store; an unreachable store is a one-line UserError."""
    try:
        ledger = bootstrap.ledger()
        tracking = bootstrap.tracking()
    except LedgerUnavailable as exc:
        raise UserError(str(exc)) from None
    try:
        yield ledger, tracking
    finally:
        tracking.close()
        ledger.close()
