"""Orchestrator: pulls the lever per the run's policy and settles candidates as they finish.

A replay run pulls no lever: it carries its source's recorded drafts in instead (services.carry), as many at a
time as the policy's window allows, so nothing is generated.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING
from uuid import UUID

import msgspec
from eventsourcing.persistence import IntegrityError

from adapters import logs
from adapters.store import Store
from domain import facts as f
from domain.candidate import Candidate
from domain.coordinates import CoordinateDraw
from domain.ids import candidate_uuid, run_uuid
from domain.policy import RunState, decide
from domain.run import Run
from services.carry import Planned, carried, gate_order, plan

if TYPE_CHECKING:
    from adapters.bus import Consumers

# Settlements of one run contend for its aggregate: more handlers at once only add retries.
ORCHESTRATOR_WORKERS = 8
log = logs.get("assay.orchestrator")
CONFLICT_RETRIES = 20


class Orchestrator:
    """Reacts to RunStarted and to candidates reaching the queue or a reject."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._draws: dict[str, CoordinateDraw] = {}  # run id -> its coordinates, drawn as pulls need them
        self._plans: dict[str, list[Planned]] = {}  # replay run id -> its plan (immutable: the source completed)

    def register(self, bus: Consumers) -> None:
        bus.consume("orchestrator-started", f.RunStarted, self.on_run_started, max_workers=ORCHESTRATOR_WORKERS)
        bus.consume("orchestrator-queued", f.Queued, self.on_candidate_settled, max_workers=ORCHESTRATOR_WORKERS)
        bus.consume("orchestrator-rejected", f.Rejected, self.on_candidate_settled, max_workers=ORCHESTRATOR_WORKERS)

    async def on_run_started(self, env: f.Envelope) -> None:
        await self._retrying(env.originator_id, None)

    async def on_candidate_settled(self, env: f.Envelope) -> None:
        candidate = await self.store.candidate(env.originator_id)
        await self._retrying(run_uuid(candidate.run_id), candidate)

    async def _retrying(self, run_id: UUID | str, candidate: Candidate | None) -> None:
        """Concurrent settlements of one run conflict on its version: reload and try again."""
        for attempt in range(CONFLICT_RETRIES):
            run = await self.store.run(run_id)
            replay = await self._replay_plan(run)
            fresh: list[Candidate] = []  # a replay's carried candidates, saved with the run in one transaction
            before = run.attempts
            if not self._update(run, candidate, replay, fresh):
                return
            try:
                await self.store.save(run, *fresh)
            except IntegrityError:  # another handler or replica saved first: what we decided never happened
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
                continue
            _log_saved(run, before)
            return
        raise RuntimeError(f"run {run_id} kept changing under the orchestrator; redelivery will retry")

    async def _replay_plan(self, run: Run) -> list[Planned] | None:
        """A replay run's plan (None for an ordinary run), computed once per process."""
        if not run.replay_of or run.completed is not None:
            self._plans.pop(run.run_id, None)
            return None
        if run.run_id not in self._plans:
            _, order = gate_order(await self.store.spec_of(run))
            source = await self.store.run(run_uuid(run.replay_of))
            self._plans[run.run_id] = await asyncio.to_thread(plan, self.store.ledger, source, order, run.from_gate)
        return self._plans[run.run_id]

    def _update(
        self,
        run: Run,
        candidate: Candidate | None,
        replay: list[Planned] | None = None,
        fresh: list[Candidate] | None = None,
    ) -> bool:
        """Settle ``candidate`` (if given and new) and pull levers; True if the run changed."""
        changed = False
        if candidate is None:
            return self.tick(run, replay, fresh)
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
        return self.tick(run, replay, fresh) or changed

    def tick(self, run: Run, replay: list[Planned] | None = None, fresh: list[Candidate] | None = None) -> bool:
        """Pull as many levers (or, for a replay, carry as many drafts into ``fresh``) as the policy allows now;
        complete the run when it is done."""
        if run.completed is not None or (run.replay_of and (replay is None or fresh is None)):
            return False  # a replay never pulls a lever: it carries drafts, and only with its plan
        state = RunState(attempts=run.attempts, in_flight=run.in_flight, queued=run.queued, cost_usd=run.cost_usd)
        policy = run.policy
        if replay is not None:  # never more than the source has, whatever the policy says
            policy = msgspec.structs.replace(policy, target=min(policy.target, len(replay)))
        decision = decide(policy, state)
        for _ in range(decision.pull):
            index = run.attempts
            if replay is not None and fresh is not None:
                pulled, new = carried(replay[index], run, run.from_gate)
                run.carry(pulled)
                fresh.append(new)
                continue
            run.pull(index, str(candidate_uuid(run.run_id, index)), self._coordinate(run, index))
        if decision.done_reason:
            run.complete(decision.done_reason)
            self._plans.pop(run.run_id, None)
            self._draws.pop(run.run_id, None)
        return bool(decision.pull or decision.done_reason)

    def _coordinate(self, run: Run, index: int) -> dict[str, str]:
        """Pull ``index``'s coordinate, drawn lazily: nothing here grows with the run's target. A process that
        meets the run for the first time (a restart, `assay resume`, another replica) takes the state of the draw
        from the run's recorded pulls instead of drawing them again."""
        draw = self._draws.get(run.run_id)
        if draw is None:
            from domain.spec import spec_from_dict

            draw = CoordinateDraw(spec_from_dict(run.spec).axis_table(), run.seed)
            recorded = [run.pulls[i].coordinate for i in range(index) if i in run.pulls]
            if len(recorded) == index:
                draw.restore(recorded)
            self._draws[run.run_id] = draw
        return draw.at(index)


def _log_saved(run: Run, before: int) -> None:
    """Log the pulls (or carried drafts) from index ``before`` on and the completion, once they are saved: a save
    that lost to another handler or replica is retried, and only what was recorded is logged."""
    for index in range(before, run.attempts):
        pulled = run.pulls[index]
        if isinstance(pulled, f.CandidateCarried):
            log.info("draft carried", run_id=run.run_id, index=index, source=pulled.source_id)
        else:
            log.info("lever pulled", run_id=run.run_id, index=index)
    if run.completed is not None:  # _update changes nothing on a run completed before, so this save completed it
        log.info("run completed", run_id=run.run_id, reason=run.completed.reason)
