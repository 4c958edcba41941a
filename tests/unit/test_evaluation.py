"""The Evaluation aggregate: each (point, model) result recorded once, nothing after completion."""

from __future__ import annotations

import pytest

from domain import facts as f
from domain.errors import DomainError
from domain.evaluation import Evaluation, evaluation_uuid

STARTED = f.EvaluationStarted(
    eval_id="eval-1", dataset="arithmetic", recipe="ground_truth", models=["m1", "m2"], n=2, ks=[1], points=["p1", "p2"]
)


def result(point: str = "p1", model: str = "m1", c: int = 1) -> f.ItemEvaluated:
    return f.ItemEvaluated(point_id=point, model=model, n=2, c=c, pass_at_k={"1": c / 2})


def test_start_names_the_aggregate_after_the_eval_id() -> None:
    evaluation = Evaluation.start(STARTED)
    assert evaluation.id == evaluation_uuid("eval-1") != evaluation_uuid("eval-2")
    assert evaluation.started == STARTED
    assert evaluation.results == {} and evaluation.completed is None
    assert evaluation.version == 1


def test_results_are_kept_by_point_and_model() -> None:
    evaluation = Evaluation.start(STARTED)
    evaluation.record(result("p1", "m1"))
    evaluation.record(result("p1", "m2", c=0))
    evaluation.record(result("p2", "m1", c=2))
    assert evaluation.results == {
        ("p1", "m1"): result("p1", "m1"),
        ("p1", "m2"): result("p1", "m2", c=0),
        ("p2", "m1"): result("p2", "m1", c=2),
    }
    assert evaluation.version == 4


def test_complete_keeps_the_summary() -> None:
    evaluation = Evaluation.start(STARTED)
    evaluation.record(result())
    evaluation.complete({"mean": 0.5})
    assert evaluation.completed == f.EvaluationCompleted(summary={"mean": 0.5})
    assert list(evaluation.results) == [("p1", "m1")]


def test_refusals_name_what_was_wrong() -> None:
    evaluation = Evaluation.start(STARTED)
    with pytest.raises(DomainError, match="^m1 on p9 is not part of evaluation eval-1$"):
        evaluation.record(result("p9", "m1"))
    with pytest.raises(DomainError, match="^m9 on p1 is not part of evaluation eval-1$"):
        evaluation.record(result("p1", "m9"))
    evaluation.record(result())
    with pytest.raises(DomainError, match="^m1 on p1 is already recorded$"):
        evaluation.record(result(c=2))
    assert evaluation.results[("p1", "m1")].c == 1
    evaluation.complete({})
    with pytest.raises(DomainError, match="^evaluation eval-1 is complete$"):
        evaluation.record(result("p2", "m2"))
    with pytest.raises(DomainError, match="^evaluation eval-1 is complete$"):
        evaluation.complete({})
    assert evaluation.version == 3


def test_a_reloaded_evaluation_has_the_same_state() -> None:
    evaluation = Evaluation.start(STARTED)
    evaluation.record(result())
    evaluation.complete({"n": 1})
    copy = None
    for event in evaluation.collect_events():
        copy = event.mutate(copy)
    assert copy is not None
    assert (copy.started, copy.results, copy.completed) == (
        evaluation.started,
        evaluation.results,
        evaluation.completed,
    )
