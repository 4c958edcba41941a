"""What `assay status`, `queue` and `rebuild` show: read models brought up to the ledger's end. Only `rebuild`
writes, and only the tracking store (each projection rebuilt from zero)."""

from __future__ import annotations

from typing import Any

from adapters.config import Settings
from adapters.ledger import AssayLedger
from adapters.nats_embedded import serving
from adapters.tracking import TrackingStore
from adapters.views import catch_up, catch_up_all, position_of, rebuild_all
from app.checklist import reflection_view
from app.history import resolve
from domain.errors import InvalidInput
from projections.checklist import Checklist
from projections.gate_calibration import GateCalibration
from projections.reflection import Reflection
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats


def anyone_working(settings: Settings) -> bool | None:
    """Whether a process may be working on runs now, where that can be known: with the embedded defaults (the
    home's SQLite ledger and its private nats-server), work needs that server, and it runs only while a command
    does. With a configured NATS or store, processes elsewhere may be working: None (unknown)."""
    if not settings.embedded_nats or settings.store_url != f"sqlite:///{settings.home / 'ledger.sqlite'}":
        return None
    return serving(settings.home / "nats")


def _stale(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "status": "interrupted",
        "reason": f"no process is working on it; continue it with: assay resume {row['run_id']}",
    }


def _waiting(row: dict[str, Any]) -> dict[str, Any]:
    # A queued point leaves the queue only by a verdict (approve and edit count as approved).
    return {**row, "waiting": max(row["queued"] - row["approved"] - row["declined"], 0)}


def status(ledger: AssayLedger, tracking: TrackingStore, working: bool | None = None) -> dict[str, Any]:
    """``{"runs": [...], "totals": {...}, "reflection": {...}, "gate_calibration": {...}}``: each run with its
    attempts, outcomes and spend, the totals (rejects by gate and reason among them) and each recipe's checklist
    versions (``reflection_view``).
    With ``working`` False (``anyone_working``), runs that have not completed are ``interrupted``, not
    ``running``, and the totals count them as ``interrupted``.

    Runs and totals also hold their model calls: ``by_model`` and ``by_role`` (name -> calls, prompt_tokens,
    completion_tokens, cost_usd, errors) and ``by_outcome`` (``ok``, ``failed``, ``errors``: failed calls by
    error class, ``retries``: tries after a call's first, and ``retried``: those by the error tried again).

    ``queued`` counts every point ever queued for review; ``waiting`` those of them still without a verdict
    (``queued - approved - declined``).

    ``gate_calibration`` is how often reviewers rejected or edited points the gates passed, per gate, recipe and
    checklist version, band, solve rate and repair history, with their reasons grouped (docs/calibration.md)."""
    # One scan brings the views status shows to the ledger's end; reflection_view then finds them current.
    stats, _, _, calibration = catch_up_all(ledger, tracking, RunStats, Checklist, Reflection, GateCalibration)
    reflection = reflection_view(ledger, tracking)
    rows, totals = [_waiting(r) for r in stats.rows()], _waiting(stats.totals())
    if working is False:  # nothing can be working on a run that has not completed: a crash or a kill left it
        rows = [_stale(r) if r["status"] == "running" else r for r in rows]
        totals["interrupted"], totals["running"] = totals["running"], 0
    return {"runs": rows, "totals": totals, "reflection": reflection, "gate_calibration": calibration.report()}


def queue(ledger: AssayLedger, tracking: TrackingStore, run: str | None = None) -> list[dict[str, Any]]:
    """The review queue, oldest first; only ``run``'s candidates when given (a run id or unique prefix)."""
    run_id = None
    if run is not None:
        ref = resolve(ledger, tracking, run)
        if ref.kind != "run":
            raise InvalidInput(f"--run {run!r} names a candidate, not a run")
        run_id = ref.id
    # Without the payload's whole text (the queue view keeps it for the page's search): a line per point.
    return [{k: v for k, v in q.items() if k != "text"} for q in catch_up(ledger, tracking, ReviewQueue).items(run_id)]


def rebuild(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """Rebuild every projection from the start of the ledger: by name, the position reached and what it holds."""
    views = rebuild_all(ledger, tracking)
    return {name: {"position": position_of(tracking, type(v)), **v.summary()} for name, v in views.items()}
