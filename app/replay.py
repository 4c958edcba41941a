"""Replay: re-gate a completed run's recorded drafts with today's gates, and compare the outcomes with the source.

``prepare`` makes every check before anything is recorded (refusals are domain errors); ``start`` records the
replay run, which the orchestrator then fills from the source (``services.carry``); ``report`` compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import recipes
from adapters.ledger import AssayLedger
from adapters.store import Store
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app import runs
from app.history import MIN_PREFIX
from domain import facts as f
from domain.bounds import CONCURRENCY
from domain.errors import Conflict, InvalidInput, NotFound, SpecError
from domain.ids import run_uuid
from domain.replay import compare
from domain.run import Run
from domain.spec import Spec, spec_from_dict
from projections.run_stats import RunStats
from services.carry import gate_order, outcomes, plan, recorded_versions, skipped


@dataclass
class Prepared:
    """A checked replay, ready to record: nothing is written until every check has passed."""

    source: Run
    spec: Spec
    recipe_args: dict[str, Any]
    from_gate: str
    order: list[str]
    carried: int
    skipped: list[str] = field(default_factory=list)  # failed drafts: nothing to re-gate


def find_run(ledger: AssayLedger, tracking: TrackingStore, text: str) -> str:
    """A run id from a full id or a unique prefix (4+ characters)."""
    runs_ = sorted(catch_up(ledger, tracking, RunStats).runs)
    wanted = text.strip()
    if wanted in runs_:
        return wanted
    if len(wanted) < MIN_PREFIX:
        raise InvalidInput(f"run id {wanted!r} is too short: give a full id or at least {MIN_PREFIX} characters")
    found = [r for r in runs_ if r.startswith(wanted.lower())]
    if not found:
        raise NotFound(f"no run with id {wanted!r} (assay status lists the runs)")
    if len(found) > 1:
        raise InvalidInput(f"run id {wanted!r} is ambiguous: it matches {', '.join(found[:10])}; give more characters")
    return found[0]


def prepare(
    ledger: AssayLedger,
    tracking: TrackingStore,
    text: str,
    from_gate: str | None = None,
    spec: Spec | None = None,
    spec_label: str = "",
    concurrency: int = 4,
) -> Prepared:
    """Every check a replay makes before it records anything. ``spec`` is today's configuration (default: the
    recorded one), named ``spec_label`` in errors."""
    CONCURRENCY.check("--concurrency", concurrency)
    source: Run = ledger.repository.get(run_uuid(find_run(ledger, tracking, text)))
    if source.completed is None:
        raise Conflict(
            f"run {source.run_id} is still running ({len(source.settled)}/{source.attempts} settled); "
            f"replay it once it completes (assay resume {source.run_id} finishes it)"
        )
    spec = spec or spec_from_dict(source.spec)
    if spec.recipe != source.recipe:
        raise InvalidInput(
            f"{spec_label}: recipe {spec.recipe!r}, but run {source.run_id} used {source.recipe!r}; "
            "a replay re-gates with the same recipe"
        )
    try:
        recipe, order = gate_order(spec)
    except SpecError as exc:
        raise SpecError(f"run {source.run_id}: {exc}") from None
    gate = from_gate or order[0]
    if gate not in order:
        raise InvalidInput(f"unknown gate {gate!r} for recipe {spec.recipe}; its gates, in order: {', '.join(order)}")
    planned = plan(ledger, source, order, gate)
    if not planned:
        raise NotFound(f"run {source.run_id} has no drafted candidates to replay")
    return Prepared(source, spec, recipes.recipe_info(recipe).args, gate, order, len(planned), skipped(source, planned))


async def start(store: Store, p: Prepared, concurrency: int) -> f.RunStarted:
    """Record the replay run; the orchestrator carries the source's drafts in as the policy allows."""
    policy = f.Policy(mode="attempts", target=p.carried, concurrency=concurrency)
    # The source's seed, whatever the spec says: gates and probe must be seeded as the source's were.
    return await runs.start(
        store,
        p.spec,
        policy,
        p.source.seed,
        recipe_args=p.recipe_args,
        replay_of=p.source.run_id,
        from_gate=p.from_gate,
    )


def existing(ledger: AssayLedger, tracking: TrackingStore, text: str) -> tuple[Run, dict[str, Any]]:
    """A replay run already recorded (after `assay resume`, say) and its report; starts nothing."""
    run: Run = ledger.repository.get(run_uuid(find_run(ledger, tracking, text)))
    if not run.replay_of:
        raise InvalidInput(f"run {run.run_id} is not a replay; --diff compares a replay run with its source")
    if run.completed is None:
        raise Conflict(f"replay {run.run_id} is still running; continue it with: assay resume {run.run_id}")
    source: Run = ledger.repository.get(run_uuid(run.replay_of))
    _, order = gate_order(spec_from_dict(run.spec))
    return run, report(ledger, source, run, order)


def report(ledger: AssayLedger, source: Run, run: Run, order: list[str]) -> dict[str, Any]:
    """Newly admitted, newly rejected and unchanged points, and per gate the versions each run recorded."""
    diff = compare(outcomes(source), outcomes(run))
    for row in diff["newly_rejected"]:  # a reviewer may have decided the source point since it was queued
        row["source_status"] = ledger.repository.get(UUID(row["source_id"])).status
    rerun = order[order.index(run.from_gate) :] if run.from_gate in order else order
    before, now = recorded_versions(ledger, source), recorded_versions(ledger, run)
    # A carried gate's results keep the source's version; one a repair made run again records today's.
    versions = [
        {"gate": g, "rerun": g in rerun, "version": ", ".join(now.get(g, [])), "source": ", ".join(before.get(g, []))}
        for g in order
    ]
    return {
        "run_id": run.run_id,
        "replay_of": source.run_id,
        "from_gate": run.from_gate,
        "carried": run.attempts,
        "completed": run.completed.reason if run.completed else "",
        **diff,
        "gate_versions": versions,
    }
