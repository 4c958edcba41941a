"""Orchestrator: pulls the lever per the run's policy and settles candidates as they finish."""

from __future__ import annotations

import asyncio
import random
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import facts as f
from domain.candidate import Candidate
from domain.coordinates import coordinates
from domain.ids import candidate_uuid, run_uuid
from domain.policy import RunState, attempt_ceiling, decide
from domain.run import Run
from services import logs
from services.store import Store

log = logs.get("assay.orchestrator")
CONFLICT_RETRIES = 20


class Orchestrator:
    """Reacts to RunStarted and to candidates reaching the queue or a reject."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._coordinates: dict[str, list[dict[str, str]]] = {}

    def register(self, bus: object) -> None:
        bus.consume("orchestrator-started", f.RunStarted, self.on_run_started)  # type: ignore[attr-defined]
        bus.consume("orchestrator-queued", f.Queued, self.on_candidate_settled)  # type: ignore[attr-defined]
        bus.consume("orchestrator-rejected", f.Rejected, self.on_candidate_settled)  # type: ignore[attr-defined]

    async def on_run_started(self, env: f.Envelope) -> None:
        await self._retrying(env.originator_id, None)

    async def on_candidate_settled(self, env: f.Envelope) -> None:
        candidate = await self.store.candidate(env.originator_id)
        await self._retrying(run_uuid(candidate.run_id), candidate)

    async def _retrying(self, run_id: UUID | str, candidate: Candidate | None) -> None:
        """Concurrent settlements of one run conflict on its version: reload and try again."""
        for attempt in range(CONFLICT_RETRIES):
            run = await self.store.run(run_id)
            if not self._update(run, candidate):
                return
            try:
                await self.store.save(run)
                return
            except IntegrityError:
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise RuntimeError(f"run {run_id} kept changing under the orchestrator; redelivery will retry")

    def _update(self, run: Run, candidate: Candidate | None) -> bool:
        """Settle ``candidate`` (if given and new) and pull levers; True if the run changed."""
        changed = False
        if candidate is None:
            return self.tick(run)
        if run.completed is None and not run.is_settled(str(candidate.id)):
            rejection = candidate.rejection
            run.settle(
                f.CandidateSettled(
                    candidate_id=str(candidate.id),
                    outcome="rejected" if rejection else "queued",
                    gate=rejection.gate if rejection else "",
                    reason=rejection.reason if rejection else "",
                    cost_usd=candidate.cost_usd,
                    cause=rejection.cause if rejection else "",
                )
            )
            changed = True
        return self.tick(run) or changed

    def tick(self, run: Run) -> bool:
        """Pull as many levers as the policy allows now; complete the run when it is done."""
        if run.completed is not None:
            return False
        state = RunState(attempts=run.attempts, in_flight=run.in_flight, queued=run.queued, cost_usd=run.cost_usd)
        decision = decide(run.policy, state)
        for _ in range(decision.pull):
            index = run.attempts
            run.pull(index, str(candidate_uuid(run.run_id, index)), self._coordinate(run, index))
            log.info("lever pulled", run_id=run.run_id, index=index)
        if decision.done_reason:
            run.complete(decision.done_reason)
            log.info("run completed", run_id=run.run_id, reason=decision.done_reason)
        return bool(decision.pull or decision.done_reason)

    def _coordinate(self, run: Run, index: int) -> dict[str, str]:
        known = self._coordinates.get(run.run_id, [])
        if index >= len(known):
            from domain.spec import spec_from_dict

            spec = spec_from_dict(run.spec)
            count = max(attempt_ceiling(run.policy), index + 1)
            known = coordinates(spec.axis_table(), run.seed, count)
            self._coordinates[run.run_id] = known
        return known[index]
