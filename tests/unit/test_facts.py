"""Facts: which aggregate records each kind, and the tag each is stored under."""

from __future__ import annotations

import msgspec
import pytest

from domain import facts as f

KINDS = {
    "run": [f.RunStarted, f.LeverPulled, f.CandidateCarried, f.CandidateSettled, f.RunCompleted],
    "candidate": [
        f.Drafted,
        f.DraftFailed,
        f.GatePassed,
        f.GateFailed,
        f.Repaired,
        f.ProbeRequested,
        f.Probed,
        f.Rejected,
        f.Queued,
        f.VerdictGiven,
    ],
    "evaluation": [f.EvaluationStarted, f.ItemEvaluated, f.EvaluationCompleted],
    "reviewer": [f.ReviewerAdded, f.ReviewerRevoked],
    "checklist": [f.ChecklistItemAdded, f.ChecklistItemEdited, f.ChecklistItemRetired],
}


@pytest.mark.parametrize(("kind", "fact_type"), [(k, t) for k, types in KINDS.items() for t in types])
def test_every_fact_type_belongs_to_one_aggregate(kind: str, fact_type: type[f.Fact]) -> None:
    assert f.aggregate_kind(fact_type) == kind


def test_the_kinds_cover_every_fact_once() -> None:
    listed = [t for types in KINDS.values() for t in types]
    assert sorted(t.__name__ for t in listed) == sorted(t.__name__ for t in f.ALL_FACTS)


def test_an_instance_is_classified_like_its_type() -> None:
    assert f.aggregate_kind(f.Queued()) == "candidate"
    assert f.aggregate_kind(f.ReviewerRevoked(name="ana")) == "reviewer"
    assert f.aggregate_kind(f.RunCompleted(reason="done")) == "run"
    assert f.aggregate_kind(f.ChecklistItemRetired(recipe="r", item_id="R1", reviewer="ana")) == "checklist"


def test_a_fact_is_stored_under_its_class_name_as_tag() -> None:
    fact = f.Rejected(gate="oracle", reason="wrong")
    assert f.tag_of(fact) == f.tag_of(f.Rejected) == "Rejected"
    assert msgspec.json.decode(msgspec.json.encode(fact))["type"] == "Rejected"


def test_is_verdict_accepts_exactly_the_three_verdicts() -> None:
    assert [v for v in ("approve", "reject", "edit", "Approve", "maybe", "") if f.is_verdict(v)] == list(f.VERDICTS)
    assert f.VERDICTS == ("approve", "reject", "edit")
