"""The Run aggregate: what a started run holds, what pulls and carried drafts record, and its refusals."""

from __future__ import annotations

import pytest

from domain import facts as f
from domain.errors import DomainError, RunClosed
from domain.ids import run_uuid
from domain.run import Run


def started(**replay: str) -> Run:
    fact = f.RunStarted(
        run_id="run-1",
        spec_name="arith",
        recipe="final_answer",
        spec={"name": "arith"},
        policy=f.Policy(),
        seed=7,
        recipe_args={"answer_format": "integer"},
        **replay,
    )
    return Run.start(run_uuid("run-1"), fact)


def test_a_started_run_holds_its_recipe_arguments_and_replay_origin() -> None:
    run = started(replay_of="run-0", from_gate="probe")
    assert (run.recipe, run.recipe_args) == ("final_answer", {"answer_format": "integer"})
    assert (run.replay_of, run.from_gate) == ("run-0", "probe")
    plain = started()
    assert (plain.replay_of, plain.from_gate) == ("", "")


def test_a_pull_records_the_run_it_belongs_to() -> None:
    run = started()
    run.pull(0, "c0", {"topic": "algebra"})
    assert run.pulls[0] == f.LeverPulled(index=0, candidate_id="c0", coordinate={"topic": "algebra"}, run_id="run-1")


def test_a_carried_draft_counts_as_a_pull() -> None:
    run = started(replay_of="run-0", from_gate="probe")
    carried = f.CandidateCarried(index=0, candidate_id="c0", coordinate={}, run_id="run-1", source_id="s0")
    run.carry(carried)
    assert run.pulls == {0: carried} and (run.attempts, run.in_flight) == (1, 1)
    run.settle(f.CandidateSettled(candidate_id="c0", outcome="queued"))
    assert (run.in_flight, run.queued) == (0, 1)
    run.complete("attempts done (1/1)")
    with pytest.raises(RunClosed):
        run.carry(carried)


def test_refusals_say_which_run_and_why() -> None:
    run = started()
    with pytest.raises(DomainError, match="^run run-1 never pulled a lever for candidate c9$"):
        run.settle(f.CandidateSettled(candidate_id="c9", outcome="queued"))
    run.complete("spend cap reached")
    with pytest.raises(RunClosed, match=r"^run run-1 completed \(spend cap reached\)$"):
        run.pull(0, "c0", {})
