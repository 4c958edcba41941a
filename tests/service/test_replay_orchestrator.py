"""A replay run pulls no lever: the orchestrator carries recorded drafts in, as the policy's window allows."""

from __future__ import annotations

from domain import facts as f
from domain.candidate import Candidate
from domain.ids import candidate_uuid, run_uuid
from domain.replay import Carry
from domain.run import Run
from services.carry import Planned
from services.orchestrator import Orchestrator

GATE = "difficulty"


def replay_run(target: int, concurrency: int) -> Run:
    started = f.RunStarted(
        run_id="r2",
        spec_name="s",
        recipe="ground_truth",
        spec={},
        policy=f.Policy(target=target, concurrency=concurrency),
        seed=7,
        replay_of="src",
        from_gate=GATE,
    )
    return Run.start(run_uuid("r2"), started)


def planned(index: int, rejected: bool = False) -> Planned:
    source = str(candidate_uuid("src", index))
    facts: list[f.Fact] = [f.GatePassed(gate="construct", gate_version="v1", carried_from=f"{source}:2")]
    if rejected:
        facts.append(f.Rejected(gate="oracle", reason="wrong", carried_from=f"{source}:4"))
    carry = Carry(source, 4 if rejected else 2, {"prompt": f"p{index}"}, facts, rejected)
    return Planned(index, {"topic": "t"}, 0, "rejected" if rejected else "queued", "src", source, carry)


def test_a_replay_carries_drafts_within_its_window_and_pulls_no_lever() -> None:
    run, orchestrator = replay_run(target=3, concurrency=2), Orchestrator(store=None)  # type: ignore[arg-type]
    plan = [planned(0), planned(2, rejected=True), planned(5)]  # index 1, 3, 4: failed drafts, not carried
    fresh: list[Candidate] = []
    assert orchestrator.tick(run, plan, fresh)
    assert [type(p).__name__ for p in run.pulls.values()] == ["CandidateCarried", "CandidateCarried"]
    assert sorted(run.pulls) == [0, 2] and run.attempts == 2 and run.in_flight == 2
    first, second = fresh
    assert first.id == candidate_uuid("r2", 0) and first.status == "drafting" and first.receipts == []
    assert first.next_gate(["construct", "oracle", GATE]) == "oracle" and first.payload == {"prompt": "p0"}
    origin = first.facts[0].origin  # type: ignore[union-attr]
    assert (origin.candidate_id, origin.version, origin.from_gate, origin.root_candidate_id) == (
        str(candidate_uuid("src", 0)),
        2,
        GATE,
        str(candidate_uuid("src", 0)),
    )
    assert second.status == "rejected" and second.rejection is not None and second.rejection.carried_from

    run.settle(f.CandidateSettled(candidate_id=str(second.id), outcome="rejected", gate="oracle", reason="wrong"))
    more: list[Candidate] = []
    assert orchestrator.tick(run, plan, more) and [c.index for c in more] == [5]
    assert not orchestrator.tick(run, plan, [])  # the window is full and the plan is done


def test_without_its_plan_a_replay_run_does_nothing() -> None:
    run = replay_run(target=3, concurrency=2)
    assert not Orchestrator(store=None).tick(run)  # type: ignore[arg-type]
    assert run.attempts == 0  # above all, no LeverPulled: nothing may be generated for a replay
