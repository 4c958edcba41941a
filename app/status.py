"""What `assay status`, `queue` and `rebuild` show: read models brought up to the ledger's end. Only `rebuild`
writes, and only the tracking store (each projection rebuilt from zero)."""

from __future__ import annotations

from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up, position_of, rebuild_all
from app.checklist import reflection_view
from app.history import resolve
from domain.errors import InvalidInput
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats


def status(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, Any]:
    """``{"runs": [...], "totals": {...}, "reflection": {...}}``: each run with its attempts, outcomes and spend,
    the totals (rejects by gate and reason among them) and each recipe's checklist versions (``reflection_view``).

    Runs and totals also hold their model calls: ``by_model`` and ``by_role`` (name -> calls, prompt_tokens,
    completion_tokens, cost_usd, errors) and ``by_outcome`` (``ok``, ``failed``, ``errors``: failed calls by
    error class, ``retries``: tries after a call's first, and ``retried``: those by the error tried again)."""
    stats = catch_up(ledger, tracking, RunStats)
    reflection = reflection_view(ledger, tracking)
    return {"runs": stats.rows(), "totals": stats.totals(), "reflection": reflection}


def queue(ledger: AssayLedger, tracking: TrackingStore, run: str | None = None) -> list[dict[str, Any]]:
    """The review queue, oldest first; only ``run``'s candidates when given (a run id or unique prefix)."""
    run_id = None
    if run is not None:
        ref = resolve(ledger, tracking, run)
        if ref.kind != "run":
            raise InvalidInput(f"--run {run!r} names a candidate, not a run")
        run_id = ref.id
    return catch_up(ledger, tracking, ReviewQueue).items(run_id)


def rebuild(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """Rebuild every projection from the start of the ledger: by name, the position reached and what it holds."""
    views = rebuild_all(ledger, tracking)
    return {name: {"position": position_of(tracking, type(v)), **v.summary()} for name, v in views.items()}
