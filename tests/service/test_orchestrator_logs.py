"""Two orchestrators (two replicas) on one ledger: every "lever pulled" line stands for a recorded pull.

Both handle the same facts at the same moment, as replicas sharing a consumer do after a redelivery, so their
saves collide on the run's version; the loser's decision never happened and must not be logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.ledger import AssayLedger, iter_envelopes, open_ledger
from adapters.store import Store
from domain import facts as f
from domain.candidate import Candidate
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import parse_spec, spec_to_dict
from services.orchestrator import Orchestrator

SPEC = parse_spec((Path(__file__).resolve().parents[2] / "specs" / "arithmetic.toml").read_text())
ATTEMPTS = 24


@pytest.fixture
def ledger(sqlite_url: str) -> Iterator[AssayLedger]:
    app = open_ledger(sqlite_url)
    yield app
    app.close()


@contextmanager
def captured_info() -> Iterator[list[MutableMapping[str, Any]]]:
    """Every log entry at INFO and above, whatever level an earlier test configured (capture_logs replaces the
    processors, not the level filter a configured wrapper class applies first)."""
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with capture_logs() as logged:
            yield logged
    finally:
        structlog.configure(**before)


def envelope(fact: Any, originator: str) -> f.Envelope:
    return f.Envelope(event_id="e", originator_id=originator, version=1, position=0, timestamp="", fact=fact)


async def test_two_orchestrators_log_one_line_per_recorded_pull(ledger: AssayLedger) -> None:
    store = Store(ledger)
    started = f.RunStarted(
        run_id="two",
        spec_name=SPEC.name,
        recipe=SPEC.recipe,
        spec=spec_to_dict(SPEC),
        policy=f.Policy(target=ATTEMPTS, concurrency=4),
        seed=3,
    )
    await store.save(Run.start(run_uuid("two"), started))
    replicas = [Orchestrator(store), Orchestrator(store)]
    with captured_info() as logged:
        await asyncio.gather(*(o.on_run_started(envelope(started, str(run_uuid("two")))) for o in replicas))
        handled: set[str] = set()
        while (run := await store.run(run_uuid("two"))).completed is None:
            fresh = [p for p in run.pulls.values() if p.candidate_id not in handled]
            assert fresh, "the run stalled with nothing in flight"
            for pull in fresh:
                handled.add(pull.candidate_id)
                drafted = f.Drafted(
                    run_id="two", index=pull.index, recipe=SPEC.recipe, coordinate=pull.coordinate, payload={}
                )
                candidate = Candidate.draft(UUID(pull.candidate_id), drafted)
                candidate.reject("construct", "malformed")
                await store.save(candidate)
                rejected = envelope(f.Rejected(gate="construct", reason="malformed"), pull.candidate_id)
                # both replicas settle the same candidate at once: one save wins, the other finds nothing to do
                await asyncio.gather(*(o.on_candidate_settled(rejected) for o in replicas))
    recorded = [e.fact for e in iter_envelopes(ledger) if isinstance(e.fact, f.LeverPulled)]
    pulled_lines = [e for e in logged if e["event"] == "lever pulled"]
    assert len(recorded) == ATTEMPTS
    assert sorted(e["index"] for e in pulled_lines) == sorted(p.index for p in recorded)
    assert [e["event"] for e in logged].count("run completed") == 1
