"""The copy a repository hands out of its cache: a command on it never changes the cached aggregate."""

from __future__ import annotations

import copy
from typing import Any

from domain import facts as f
from domain.candidate import Candidate
from domain.checklist_book import add_item, edit_item, retire_item
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run


def state(aggregate: Any) -> dict[str, Any]:
    """Every attribute, copied by the standard library's own deep copy (not the aggregate's)."""
    return {key: copy.deepcopy(value) for key, value in aggregate.__dict__.items()}


def receipt() -> f.Receipt:
    return f.Receipt(role="oracle", model="local/oracle", prompt_sha256="p" * 64, response_sha256="r" * 64)


def test_commands_on_a_copied_candidate_leave_the_original_as_it_was() -> None:
    drafted = f.Drafted(
        run_id="run-1",
        index=0,
        recipe="final_answer",
        coordinate={"topic": "algebra"},
        payload={"question": "2+2?", "answer": "4", "steps": ["add"]},
        receipts=[receipt()],
    )
    original = Candidate.draft(candidate_uuid("run-1", 0), drafted)
    original.pass_gate("schema", {"ok": True}, [receipt()])
    original.collect_events()
    before = state(original)

    twin = copy.deepcopy(original)
    assert state(twin) == before
    twin.payload["question"] = "3+3?"
    twin.coordinate["topic"] = "geometry"
    twin.repair(
        f.Repaired(
            gate="oracle", instruction="fix", payload={"question": "5?"}, diff=[], invalidated=["schema"], attempt=1
        )
    )
    twin.pass_gate("oracle", {"ok": True}, [receipt()])
    twin.reject("judge", "no")

    assert state(original) == before
    assert (original.status, original.passed, len(original.facts)) == ("drafting", ["schema"], 2)
    assert twin.facts[0] is original.facts[0]  # facts are frozen: shared, not copied


def test_commands_on_a_copied_run_leave_the_original_as_it_was() -> None:
    fact = f.RunStarted(
        run_id="run-1",
        spec_name="arith",
        recipe="final_answer",
        spec={"name": "arith", "gates": {"max": 2}},
        policy=f.Policy(),
        seed=7,
    )
    original = Run.start(run_uuid("run-1"), fact)
    original.pull(0, str(candidate_uuid("run-1", 0)), {"topic": "a"})
    original.collect_events()
    before = state(original)

    twin = copy.deepcopy(original)
    twin.pull(1, str(candidate_uuid("run-1", 1)), {"topic": "b"})
    twin.spec["gates"]["max"] = 9
    twin.complete("done")

    assert state(original) == before
    assert (len(original.pulls), original.completed, original.spec["gates"]["max"]) == (1, None, 2)


def test_editing_an_item_of_a_copied_checklist_leaves_the_original_item_as_it_was() -> None:
    book, item = add_item(None, "final_answer", "Name the units.", "ann")
    book.collect_events()
    before = state(book)

    twin = copy.deepcopy(book)
    twin = edit_item(twin, "final_answer", item, "State the units.", "bob")
    twin = retire_item(twin, "final_answer", item, "bob")

    assert state(book) == before
    assert book.items[item]["text"] == "Name the units." and not book.items[item]["retired"]
