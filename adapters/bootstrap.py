"""Wiring: open the ledger and tracking store from settings, turning failures into clear errors."""

from __future__ import annotations

from adapters.config import Settings, load_settings
from adapters.ledger import AssayLedger, LedgerUnavailable, open_ledger
from adapters.tracking import TrackingStore


def ledger(settings: Settings | None = None) -> AssayLedger:
    """The configured ledger; raises LedgerUnavailable with a message naming the store."""
    settings = settings or load_settings()
    return open_ledger(settings.store_url)


def tracking(settings: Settings | None = None) -> TrackingStore:
    settings = settings or load_settings()
    try:
        return TrackingStore(settings.store_url)
    except Exception as exc:
        raise LedgerUnavailable(f"cannot open the tracking store: {type(exc).__name__}: {exc}") from None
