"""The orchestrator draws a run's coordinates pull by pull: nothing is computed for the run's target up front, the
sequence is the seeded one, and a process meeting a run mid-way continues it from the recorded pulls."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import facts as f
from domain.coordinates import CoordinateDraw, coordinates
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import parse_spec, spec_to_dict
from services.orchestrator import Orchestrator

SPEC = parse_spec((Path(__file__).resolve().parents[2] / "specs" / "arithmetic.toml").read_text())
AXES = SPEC.axis_table()


def big_run(attempts: int = 1_000_000, concurrency: int = 4, seed: int = 11) -> Run:
    started = f.RunStarted(
        run_id="big",
        spec_name=SPEC.name,
        recipe=SPEC.recipe,
        spec=spec_to_dict(SPEC),
        policy=f.Policy(target=attempts, concurrency=concurrency),
        seed=seed,
    )
    return Run.start(run_uuid("big"), started)


def settle_all(run: Run) -> None:
    for pull in run.pulls.values():
        if not run.is_settled(pull.candidate_id):
            run.settle(f.CandidateSettled(candidate_id=pull.candidate_id, outcome="rejected", gate="g", reason="r"))


def steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every coordinate actually drawn (not restored) from now on."""
    drawn: list[int] = []
    original = CoordinateDraw._step

    def counted(self: CoordinateDraw) -> None:
        drawn.append(1)
        original(self)

    monkeypatch.setattr(CoordinateDraw, "_step", counted)
    return drawn


def test_a_million_attempt_run_draws_only_what_it_pulls(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = steps(monkeypatch)
    run, orchestrator = big_run(), Orchestrator(store=None)  # type: ignore[arg-type]
    assert orchestrator.tick(run)
    assert run.attempts == 4 and len(drawn) == 4
    settle_all(run)
    orchestrator.tick(run)
    assert run.attempts == 8 and len(drawn) == 8
    expected = coordinates(AXES, 11, 8)
    assert [run.pulls[i].coordinate for i in range(8)] == expected


def test_a_new_process_continues_from_the_recorded_pulls(monkeypatch: pytest.MonkeyPatch) -> None:
    run = big_run(concurrency=5)
    first = Orchestrator(store=None)  # type: ignore[arg-type]
    first.tick(run)
    settle_all(run)
    drawn = steps(monkeypatch)
    later = Orchestrator(store=None)  # type: ignore[arg-type]  (a restart, `assay resume`, another replica)
    later.tick(run)
    assert run.attempts == 10 and len(drawn) == 5, "the five recorded pulls were restored, not drawn again"
    assert [run.pulls[i].coordinate for i in range(10)] == coordinates(AXES, 11, 10)


def test_a_retried_tick_repeats_the_same_coordinates() -> None:
    orchestrator = Orchestrator(store=None)  # type: ignore[arg-type]
    lost, retried = big_run(), big_run()  # the first tick's save conflicted: the retry starts from the stored run
    orchestrator.tick(lost)
    orchestrator.tick(retried)
    assert [p.coordinate for p in retried.pulls.values()] == [p.coordinate for p in lost.pulls.values()]
    assert [p.coordinate for p in retried.pulls.values()] == coordinates(AXES, 11, 4)


def test_restore_refuses_coordinates_that_are_not_cells() -> None:
    draw = CoordinateDraw(AXES, 3)
    assert not draw.restore([{"topic": "poetry", "difficulty": "easy"}])
    assert not draw.restore([{"topic": "sequences"}])
    assert draw.position == 0 and draw.at(5) == coordinates(AXES, 3, 6)[5]
    again = CoordinateDraw(AXES, 3)
    assert again.restore(coordinates(AXES, 3, 6)) and again.position == 6
    assert again.at(9) == coordinates(AXES, 3, 10)[9]
