"""The reflection view shared by `assay status`, `assay checklist` and the review page."""

from __future__ import annotations

from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from projections.checklist import Checklist
from projections.reflection import Reflection


def reflection_view(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """Per recipe with a checklist or drafts: the current checklist version, its entries, and the gate-survival
    and approval rates of the drafts made under each checklist version.

    ``{recipe: {"version": int, "checklist": [entry, ...], "rates": [{"version", "drafted", "survived",
    "survival_rate", "decided", "approved", "approval_rate", ...}, ...]}}``; rates are None with nothing to
    divide by."""
    checklist = catch_up(ledger, tracking, Checklist)
    reflection = catch_up(ledger, tracking, Reflection)
    names = sorted(set(checklist.recipes) | set(reflection.recipes))
    return {
        r: {"version": checklist.version(r), "checklist": checklist.entries(r), "rates": reflection.rates(r)}
        for r in names
    }
