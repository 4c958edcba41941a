"""The Run aggregate: one orchestrated series of lever pulls under a policy."""

from __future__ import annotations

from uuid import UUID

from domain import facts as f
from domain.chain import Chained
from domain.errors import DomainError, RunClosed


class Run(Chained):
    """Tracks pulls, settlements and spend; the orchestrator asks it what to do next."""

    class Started(Chained.Started):
        fact: f.RunStarted

    class Recorded(Chained.Recorded):
        fact: f.AnyFact

    def __init__(self, fact: f.RunStarted) -> None:
        self.run_id = fact.run_id
        self.spec_name = fact.spec_name
        self.recipe = fact.recipe
        self.spec = dict(fact.spec)
        self.policy = fact.policy
        self.seed = fact.seed
        self.recipe_args = dict(fact.recipe_args)
        self.replay_of = fact.replay_of  # a replay run re-gates this run's recorded drafts
        self.from_gate = fact.from_gate
        self.pulls: dict[int, f.LeverPulled] = {}
        self.settled: dict[str, f.CandidateSettled] = {}
        self.completed: f.RunCompleted | None = None

    @classmethod
    def start(cls, run_uuid: UUID, fact: f.RunStarted) -> Run:
        return cls._create(cls.Started, id=run_uuid, fact=fact)

    # --- queries -----------------------------------------------------------------------------

    @property
    def attempts(self) -> int:
        return len(self.pulls)

    @property
    def in_flight(self) -> int:
        return len(self.pulls) - len(self.settled)

    @property
    def queued(self) -> int:
        return sum(1 for s in self.settled.values() if s.outcome == "queued")

    @property
    def rejected(self) -> int:
        return sum(1 for s in self.settled.values() if s.outcome == "rejected")

    @property
    def cost_usd(self) -> float:
        return round(sum((s.cost_usd for s in self.settled.values()), 0.0), 10)  # a float, as facts store it

    def is_settled(self, candidate_id: str) -> bool:
        return candidate_id in self.settled

    # --- commands ----------------------------------------------------------------------------

    def pull(self, index: int, candidate_id: str, coordinate: dict[str, str]) -> None:
        self._open()
        pulled = f.LeverPulled(index=index, candidate_id=candidate_id, coordinate=coordinate, run_id=self.run_id)
        self.trigger_event(self.Recorded, fact=pulled)

    def carry(self, fact: f.CandidateCarried) -> None:
        """A replay run takes a recorded draft in place of a pull (a LeverPulled subclass: it counts as one)."""
        self._open()
        self.trigger_event(self.Recorded, fact=fact)

    def settle(self, fact: f.CandidateSettled) -> None:
        self._open()
        if all(p.candidate_id != fact.candidate_id for p in self.pulls.values()):
            raise DomainError(f"run {self.run_id} never pulled a lever for candidate {fact.candidate_id}")
        self.trigger_event(self.Recorded, fact=fact)

    def complete(self, reason: str) -> None:
        self._open()
        fact = f.RunCompleted(
            reason=reason,
            attempts=self.attempts,
            queued=self.queued,
            rejected=self.rejected,
            cost_usd=self.cost_usd,
        )
        self.trigger_event(self.Recorded, fact=fact)

    def _open(self) -> None:
        if self.completed is not None:
            raise RunClosed(f"run {self.run_id} completed ({self.completed.reason})")

    def _when(self, fact: f.Fact) -> None:
        if isinstance(fact, f.LeverPulled):
            self.pulls[fact.index] = fact
        elif isinstance(fact, f.CandidateSettled):
            self.settled[fact.candidate_id] = fact
        elif isinstance(fact, f.RunCompleted):
            self.completed = fact
