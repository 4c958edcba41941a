"""The Evaluation aggregate: models run over a dataset of approved points, graded by the recipe."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import facts as f
from domain.chain import Chained
from domain.errors import DomainError

_EVALS = uuid5(NAMESPACE_URL, "assay:evaluation")


def evaluation_uuid(eval_id: str) -> UUID:
    return uuid5(_EVALS, eval_id)


class Evaluation(Chained):
    """Records each (point, model) result once; completes with a summary."""

    class Started(Chained.Started):
        fact: f.EvaluationStarted

    class Recorded(Chained.Recorded):
        fact: f.AnyFact

    def __init__(self, fact: f.EvaluationStarted) -> None:
        self.started = fact
        self.results: dict[tuple[str, str], f.ItemEvaluated] = {}
        self.completed: f.EvaluationCompleted | None = None

    @classmethod
    def start(cls, fact: f.EvaluationStarted) -> Evaluation:
        return cls._create(cls.Started, id=evaluation_uuid(fact.eval_id), fact=fact)

    def record(self, fact: f.ItemEvaluated) -> None:
        if self.completed is not None:
            raise DomainError(f"evaluation {self.started.eval_id} is complete")
        if fact.point_id not in self.started.points or fact.model not in self.started.models:
            raise DomainError(f"{fact.model} on {fact.point_id} is not part of evaluation {self.started.eval_id}")
        if (fact.point_id, fact.model) in self.results:
            raise DomainError(f"{fact.model} on {fact.point_id} is already recorded")
        self.trigger_event(self.Recorded, fact=fact)

    def complete(self, summary: dict[str, Any]) -> None:
        if self.completed is not None:
            raise DomainError(f"evaluation {self.started.eval_id} is complete")
        self.trigger_event(self.Recorded, fact=f.EvaluationCompleted(summary=summary))

    def _when(self, fact: f.Fact) -> None:
        if isinstance(fact, f.ItemEvaluated):
            self.results[(fact.point_id, fact.model)] = fact
        elif isinstance(fact, f.EvaluationCompleted):
            self.completed = fact
