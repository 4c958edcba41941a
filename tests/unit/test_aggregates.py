"""Candidate and Run aggregates: state machines, refusals, and a round trip through an in-memory ledger."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.ledger import AssayLedger
from domain import facts as f
from domain.candidate import Candidate
from domain.errors import CandidateClosed, DomainError, NotReviewable, RunClosed
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run

GATES = ["schema", "oracle", "novelty", "probe", "quality"]


def receipt(role: str, cost: float, sample: int = 0) -> f.Receipt:
    return f.Receipt(
        role=role, model=f"local/{role}", prompt_sha256="p" * 64, response_sha256="r" * 64,
        prompt_tokens=10, completion_tokens=5, cost_usd=cost, sample=sample,
    )  # fmt: skip


def drafted(index: int = 0, cost: float = 0.01) -> f.Drafted:
    return f.Drafted(
        run_id="run-1", index=index, recipe="final_answer", coordinate={"topic": "algebra"},
        payload={"question": "2+2?", "answer": "4"}, receipts=[receipt("author", cost)],
    )  # fmt: skip


def probed(band: str = "discriminating") -> f.Probed:
    outcomes = [
        f.ModelOutcome(model="local/solver-strong", n=2, c=2, pass_at_k={"1": 1.0}),
        f.ModelOutcome(model="local/solver-weak", n=2, c=0, pass_at_k={"1": 0.0}),
    ]
    return f.Probed(
        gate="probe", outcomes=outcomes, solve_rate=0.5, passed_models=["local/solver-strong"], band=band,
        in_band=True, receipts=[receipt("solver", 0.002, sample=i) for i in range(4)],
    )  # fmt: skip


def ledger() -> AssayLedger:
    return AssayLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def queued_candidate() -> Candidate:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted())
    for gate in GATES[:3]:
        c.pass_gate(gate, {}, [])
    c.request_probe("probe")
    c.record_probe(probed())
    c.pass_gate("probe", {"band": "discriminating"}, [])
    c.pass_gate("quality", {}, [])
    c.enqueue()
    return c


# --- Candidate -----------------------------------------------------------------------------------


def test_draft_starts_the_candidate() -> None:
    c = Candidate.draft(candidate_uuid("run-1", 3), drafted(index=3))
    assert c.id == candidate_uuid("run-1", 3)
    assert (c.run_id, c.index, c.recipe, c.status) == ("run-1", 3, "final_answer", "drafting")
    assert c.coordinate == {"topic": "algebra"}
    assert c.payload == {"question": "2+2?", "answer": "4"}
    events = c.collect_events()
    assert len(events) == 1 and isinstance(events[0], Candidate.Started)
    assert events[0].fact == drafted(index=3)
    assert c.collect_events() == []


def test_gates_repair_invalidates_and_next_gate_follows_order() -> None:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted())
    assert c.next_gate(GATES) == "schema"
    c.pass_gate("schema", {}, [])
    c.pass_gate("oracle", {"agree": True}, [receipt("oracle", 0.02)])
    assert c.next_gate(GATES) == "novelty"
    c.fail_gate("novelty", "near-duplicate", "rephrase the question", {"similarity": 0.9}, [])
    assert c.next_gate(GATES) == "novelty"
    repaired = f.Repaired(
        gate="novelty", instruction="rephrase the question", payload={"question": "3+1?", "answer": "4"},
        diff=["-2+2?", "+3+1?"], invalidated=["oracle", "novelty"], attempt=1,
        receipts=[receipt("repairer", 0.03)],
    )  # fmt: skip
    c.repair(repaired)
    assert c.payload == {"question": "3+1?", "answer": "4"}
    assert c.repairs == 1
    assert c.passed == ["schema"]
    assert c.next_gate(GATES) == "oracle"  # the repair invalidated it: earliest gate first
    c.pass_gate("oracle", {}, [])
    c.pass_gate("oracle", {}, [])  # a repeated pass is recorded but not double-counted
    assert c.passed == ["schema", "oracle"]
    assert c.next_gate(["oracle", "schema"]) is None
    kinds = [type(e.fact).__name__ for e in c.collect_events()]
    assert kinds == ["Drafted", "GatePassed", "GatePassed", "GateFailed", "Repaired", "GatePassed", "GatePassed"]


def test_full_path_to_queued_and_cost_sums_every_receipt() -> None:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted(cost=0.01))
    c.pass_gate("schema", {}, [receipt("oracle", 0.1)])
    c.fail_gate("oracle", "wrong", "fix", {}, [receipt("oracle", 0.2)])
    c.request_probe("probe")
    assert c.status == "probing" and not c.is_settled
    c.record_probe(probed())
    assert c.status == "drafting"
    assert c.probe is not None and c.probe.band == "discriminating"
    c.enqueue()
    assert c.status == "queued" and c.is_settled
    assert c.cost_usd == pytest.approx(0.01 + 0.1 + 0.2 + 4 * 0.002)
    assert len(c.receipts) == 1 + 1 + 1 + 4
    queued = c.facts[-1]
    assert isinstance(queued, f.Queued)
    assert queued.band == "discriminating"
    assert queued.cost_usd == pytest.approx(c.cost_usd)


def test_record_probe_only_while_probing() -> None:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted())
    with pytest.raises(CandidateClosed):
        c.record_probe(probed())


@pytest.mark.parametrize("settle", ["enqueue", "reject"])
def test_facts_after_settling_are_refused(settle: str) -> None:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted())
    if settle == "enqueue":
        c.enqueue()
    else:
        c.reject("oracle", "reference answer is wrong")
        assert c.rejection == f.Rejected(gate="oracle", reason="reference answer is wrong")
        assert c.status == "rejected"
    before = len(c.collect_events())
    for command in (
        lambda: c.pass_gate("schema", {}, []),
        lambda: c.fail_gate("schema", "x", "", {}, []),
        lambda: c.request_probe("probe"),
        lambda: c.reject("oracle", "again"),
        lambda: c.enqueue(),
        lambda: c.repair(f.Repaired(gate="g", instruction="i", payload={}, diff=[], invalidated=[], attempt=1)),
    ):
        with pytest.raises(CandidateClosed):
            command()
    assert c.collect_events() == []
    assert before == 2  # the draft and the settling fact


def test_failed_draft_takes_only_a_rejection() -> None:
    failed = f.DraftFailed(run_id="run-1", index=2, recipe="final_answer", coordinate={}, reason="junk")
    c = Candidate.draft(candidate_uuid("run-1", 2), failed)
    assert c.status == "failed_draft" and c.payload == {}
    with pytest.raises(CandidateClosed):
        c.pass_gate("schema", {}, [])
    c.reject("author", "junk")
    assert c.status == "rejected" and c.is_settled


@pytest.mark.parametrize(
    ("verdict", "payload", "status"),
    [("approve", None, "approved"), ("edit", {"question": "2+2=?", "answer": "4"}, "approved"),
     ("reject", None, "declined")],
)  # fmt: skip
def test_verdicts(verdict: str, payload: dict[str, str] | None, status: str) -> None:
    c = queued_candidate()
    fact = f.VerdictGiven(verdict=verdict, reviewer="ana", reason="checked", payload=payload)  # type: ignore[arg-type]
    c.give_verdict(fact)
    assert c.status == status
    assert c.verdicts == [fact]
    assert c.payload == (payload or {"question": "2+2?", "answer": "4"})
    with pytest.raises(NotReviewable):  # already decided
        c.give_verdict(f.VerdictGiven(verdict="approve", reviewer="bo"))
    with pytest.raises(CandidateClosed):
        c.pass_gate("schema", {}, [])


def test_verdict_on_an_unqueued_candidate_is_refused() -> None:
    c = Candidate.draft(candidate_uuid("run-1", 0), drafted())
    with pytest.raises(NotReviewable):
        c.give_verdict(f.VerdictGiven(verdict="approve", reviewer="ana"))
    c.reject("oracle", "wrong")
    with pytest.raises(NotReviewable):
        c.give_verdict(f.VerdictGiven(verdict="approve", reviewer="ana"))
    assert issubclass(NotReviewable, DomainError) and issubclass(CandidateClosed, DomainError)


def test_candidate_round_trips_through_the_ledger() -> None:
    app = ledger()
    c = queued_candidate()
    c.give_verdict(f.VerdictGiven(verdict="edit", reviewer="ana", payload={"question": "q", "answer": "a"}))
    app.save(c)
    loaded = app.repository.get(c.id)
    assert loaded.version == c.version
    assert loaded.status == "approved"
    assert loaded.facts == c.facts
    assert loaded.receipts == c.receipts
    assert loaded.probe == c.probe
    assert loaded.cost_usd == c.cost_usd
    assert loaded.payload == {"question": "q", "answer": "a"}


def test_one_lever_pull_cannot_create_two_candidates() -> None:
    app = ledger()
    cid = candidate_uuid("run-1", 0)
    assert cid == candidate_uuid("run-1", 0) != candidate_uuid("run-1", 1)
    app.save(Candidate.draft(cid, drafted()))
    with pytest.raises(IntegrityError):
        app.save(Candidate.draft(cid, drafted()))
    assert len(app.repository.get(cid).facts) == 1


def test_stale_copies_conflict_on_save() -> None:
    app = ledger()
    cid = candidate_uuid("run-1", 0)
    app.save(Candidate.draft(cid, drafted()))
    a, b = app.repository.get(cid), app.repository.get(cid)
    a.pass_gate("schema", {}, [])
    b.reject("schema", "bad")
    app.save(a)
    with pytest.raises(IntegrityError):
        app.save(b)
    assert app.repository.get(cid).passed == ["schema"]


# --- Run -----------------------------------------------------------------------------------------


def started_run(policy: f.Policy | None = None) -> Run:
    fact = f.RunStarted(
        run_id="run-1", spec_name="arith", recipe="final_answer", spec={"name": "arith"},
        policy=policy or f.Policy(mode="attempts", target=3, concurrency=2), seed=7,
    )  # fmt: skip
    return Run.start(run_uuid("run-1"), fact)


def test_run_pull_settle_complete_counters() -> None:
    run = started_run()
    assert (run.run_id, run.spec_name, run.seed, run.attempts, run.in_flight) == ("run-1", "arith", 7, 0, 0)
    ids = [str(candidate_uuid("run-1", i)) for i in range(3)]
    for i, cid in enumerate(ids):
        run.pull(i, cid, {"topic": "algebra"})
    assert (run.attempts, run.in_flight, run.queued, run.rejected) == (3, 3, 0, 0)
    run.settle(f.CandidateSettled(candidate_id=ids[0], outcome="queued", cost_usd=0.5))
    run.settle(f.CandidateSettled(candidate_id=ids[1], outcome="rejected", gate="oracle", reason="x", cost_usd=0.25))
    assert run.is_settled(ids[0]) and not run.is_settled(ids[2])
    assert (run.attempts, run.in_flight, run.queued, run.rejected) == (3, 1, 1, 1)
    run.settle(f.CandidateSettled(candidate_id=ids[2], outcome="queued", cost_usd=0.125))
    assert run.cost_usd == pytest.approx(0.875)
    run.complete("attempts done (3/3)")
    assert run.completed == f.RunCompleted(
        reason="attempts done (3/3)", attempts=3, queued=2, rejected=1, cost_usd=0.875
    )
    kinds = [type(e).__name__ for e in run.collect_events()]
    assert kinds == ["Started"] + ["Recorded"] * 7


def test_repeated_pull_or_settle_does_not_double_count() -> None:
    run = started_run()
    cid = str(candidate_uuid("run-1", 0))
    run.pull(0, cid, {})
    run.pull(0, cid, {})
    run.settle(f.CandidateSettled(candidate_id=cid, outcome="queued", cost_usd=1.0))
    run.settle(f.CandidateSettled(candidate_id=cid, outcome="queued", cost_usd=1.0))
    assert (run.attempts, run.in_flight, run.queued, run.cost_usd) == (1, 0, 1, 1.0)


def test_completed_run_is_closed() -> None:
    run = started_run()
    run.complete("spend cap reached")
    n = len(run.collect_events())
    with pytest.raises(RunClosed):
        run.pull(0, "c", {})
    with pytest.raises(RunClosed):
        run.settle(f.CandidateSettled(candidate_id="c", outcome="rejected"))
    with pytest.raises(RunClosed):
        run.complete("again")
    assert run.collect_events() == [] and n == 2


def test_run_round_trips_through_the_ledger() -> None:
    app = ledger()
    policy = f.Policy(mode="until_accepted", target=5, concurrency=3, max_cost=2.5, max_attempts=40)
    run = started_run(policy)
    run.pull(0, "c0", {"topic": "geometry"})
    run.settle(f.CandidateSettled(candidate_id="c0", outcome="queued", cost_usd=0.3))
    run.complete("accepted target reached (1/1)")
    app.save(run)
    loaded = app.repository.get(run_uuid("run-1"))
    assert loaded.policy == policy
    assert loaded.spec == {"name": "arith"}
    assert loaded.pulls == run.pulls
    assert loaded.settled == run.settled
    assert loaded.completed == run.completed
    with pytest.raises(RunClosed):
        loaded.pull(1, "c1", {})
