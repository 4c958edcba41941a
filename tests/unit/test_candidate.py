"""The Candidate aggregate: what each command records, the state a fresh or repaired candidate holds, refusals."""

from __future__ import annotations

import pytest

from domain import facts as f
from domain.candidate import Candidate
from domain.errors import CandidateClosed, NotReviewable
from domain.ids import candidate_uuid

CID = candidate_uuid("run-1", 0)


def receipt(cost: float) -> f.Receipt:
    return f.Receipt(
        role="oracle", model="local/oracle", prompt_sha256="p" * 64, response_sha256="r" * 64, cost_usd=cost
    )


def fresh(checklist_version: int = 3) -> Candidate:
    drafted = f.Drafted(
        run_id="run-1",
        index=0,
        recipe="final_answer",
        coordinate={"topic": "algebra"},
        payload={"question": "2+2?", "answer": "4"},
        checklist_version=checklist_version,
    )
    return Candidate.draft(CID, drafted)


def repaired(question: str, attempt: int) -> f.Repaired:
    return f.Repaired(
        gate="oracle", instruction="fix", payload={"question": question}, diff=[], invalidated=[], attempt=attempt
    )


def test_a_fresh_candidate_has_no_probe_rejection_or_repairs_and_keeps_its_checklist_version() -> None:
    c = fresh(checklist_version=3)
    assert c.probe is None and c.rejection is None and c.repairs == 0 and c.verdicts == []
    assert c.checklist_version == 3


def test_repairs_are_counted() -> None:
    c = fresh()
    c.repair(repaired("3+1?", 1))
    c.repair(repaired("5-1?", 2))
    assert c.repairs == 2 and c.payload == {"question": "5-1?"}


def test_gate_commands_record_every_field_given() -> None:
    c = fresh()
    c.pass_gate("schema", {"ok": True}, [receipt(0.1)])
    assert c.facts[-1] == f.GatePassed(gate="schema", detail={"ok": True}, receipts=[receipt(0.1)], gate_version="")
    c.pass_gate("novelty", {}, [], "v2")
    assert c.facts[-1] == f.GatePassed(gate="novelty", gate_version="v2")
    c.fail_gate("oracle", "wrong answer", "fix the answer", {"expected": "4"}, [receipt(0.2)], "v1")
    assert c.facts[-1] == f.GateFailed(
        gate="oracle",
        reason="wrong answer",
        repair="fix the answer",
        detail={"expected": "4"},
        receipts=[receipt(0.2)],
        gate_version="v1",
    )
    c.fail_gate("oracle", "wrong again", "", {}, [])
    assert c.facts[-1] == f.GateFailed(gate="oracle", reason="wrong again", gate_version="")


def test_a_rejection_keeps_its_cause() -> None:
    c = fresh()
    c.reject("oracle", "the model call failed", cause="model_error")
    assert c.rejection == f.Rejected(gate="oracle", reason="the model call failed", cause="model_error")


def test_enqueue_without_a_probe_records_no_band() -> None:
    c = fresh()
    c.pass_gate("schema", {}, [receipt(0.25)])
    c.enqueue()
    assert c.facts[-1] == f.Queued(band="", cost_usd=0.25)


def test_a_carried_result_is_recorded_as_given() -> None:
    c = fresh()
    carried = f.GatePassed(gate="schema", carried_from="source:2")
    c.carry(carried)
    assert c.facts[-1] == carried and c.passed == ["schema"]


def test_refusals_say_which_candidate_and_why() -> None:
    c = fresh()
    with pytest.raises(CandidateClosed, match=f"^candidate {CID} is drafting, not waiting for a probe$"):
        c.record_probe(f.Probed(gate="probe", outcomes=[], solve_rate=0.0, passed_models=[], band="", in_band=False))
    with pytest.raises(NotReviewable, match=f"^candidate {CID} is drafting; only queued candidates take a verdict$"):
        c.give_verdict(f.VerdictGiven(verdict="approve", reviewer="ana"))
    c.enqueue()
    with pytest.raises(CandidateClosed, match=f"^candidate {CID} is queued; GatePassed refused$"):
        c.pass_gate("schema", {}, [])
