"""Evaluations: which models ran over which dataset, each (point, model) result, and the summary."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from domain import facts as f
from projections.base import JsonView


class Evaluations(JsonView):
    """Evaluations by eval id; ``rows()`` lists them oldest first."""

    name: ClassVar[str] = "evaluations"
    schema: ClassVar[int] = 1

    evals: dict[str, dict[str, Any]]
    uuids: dict[str, str]  # aggregate id -> eval id
    fields: ClassVar[tuple[str, ...]] = ("evals", "uuids")

    on: ClassVar[dict[type, str | None]] = {
        f.EvaluationStarted: "_started",
        f.ItemEvaluated: "_item",
        f.EvaluationCompleted: "_completed",
    }

    def _started(self, env: f.Envelope) -> None:
        fact, oid = cast(f.EvaluationStarted, env.fact), env.originator_id
        self.uuids[oid] = fact.eval_id
        self.evals[fact.eval_id] = {
            "eval_id": fact.eval_id,
            "uuid": oid,
            "dataset": fact.dataset,
            "recipe": fact.recipe,
            "models": list(fact.models),
            "n": fact.n,
            "ks": list(fact.ks),
            "points": list(fact.points),
            "temperature": fact.temperature,
            "seed": fact.seed,
            "started_at": env.timestamp,
            "position": env.position,
            "results": {},
            "summary": {},
            "completed": False,
            "completed_at": "",
        }

    def _item(self, env: f.Envelope) -> None:
        row = self.evals.get(self.uuids.get(env.originator_id, ""))
        if row is None:
            return
        fact = cast(f.ItemEvaluated, env.fact)
        point = row["results"].setdefault(
            fact.point_id, {"step": fact.step, "step_index": fact.step_index, "models": {}}
        )
        point["models"][fact.model] = {
            "n": fact.n,
            "c": fact.c,
            "pass_at_k": dict(fact.pass_at_k),
            "cost_usd": round(sum(r.cost_usd for r in fact.receipts), 10),
        }

    def _completed(self, env: f.Envelope) -> None:
        row = self.evals.get(self.uuids.get(env.originator_id, ""))
        if row is not None:
            fact = cast(f.EvaluationCompleted, env.fact)
            row.update(completed=True, completed_at=env.timestamp, summary=dict(fact.summary))

    # --- queries -----------------------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """Every evaluation, oldest first."""
        return sorted(self.evals.values(), key=lambda e: e["position"])

    def latest(self, dataset: str | None = None) -> dict[str, Any] | None:
        """The most recent completed evaluation (of ``dataset`` when given)."""
        done = [e for e in self.rows() if e["completed"] and (dataset is None or e["dataset"] == dataset)]
        return done[-1] if done else None

    def find(self, text: str) -> list[dict[str, Any]]:
        """Evaluations whose id is ``text`` or starts with it."""
        if text in self.evals:
            return [self.evals[text]]
        return [e for e in self.rows() if e["eval_id"].startswith(text)]

    def summary(self) -> dict[str, Any]:
        return {
            "evaluations": len(self.evals),
            "completed": sum(e["completed"] for e in self.evals.values()),
            "results": sum(len(p["models"]) for e in self.evals.values() for p in e["results"].values()),
        }
