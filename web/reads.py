"""One point as the page and the API show it: its record (``app.history``) with the recipe's Markdown rendered."""

from __future__ import annotations

from typing import Any

from adapters.ledger import AssayLedger
from app.history import point_record
from web.render import point_markdown


def point(ledger: AssayLedger, point_id: str) -> dict[str, Any]:
    """One point's full record: the audit history (as `assay show --json`) plus views for the page."""
    h = point_record(ledger, point_id)
    original = h.pop("original")
    h["markdown"] = point_markdown(h["recipe"], h["payload"], h["facts"])
    h["original_markdown"] = point_markdown(h["recipe"], original["payload"], h["facts"]) if original else None
    return h
