"""The ChecklistBook aggregate: reviewer add / edit / retire, its refusals, and a round trip through a ledger."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.ledger import AssayLedger
from domain import checklist_book as cb
from domain import facts as f
from domain.errors import ChecklistError, DomainError, UnknownChecklistItem

OBSERVED = ["oracle: answer '…' does not match oracle '…'", "novelty: too similar to ID (N)"]


def book_with_two() -> cb.ChecklistBook:
    book, first = cb.add_item(None, "toy", "  State the   unit\nof the answer ", "ana")
    book, second = cb.add_item(book, "toy", "Give the tolerance", "bo")
    assert (first, second) == ("R1", "R2")
    return book


def test_add_edit_retire_record_facts_in_order() -> None:
    book = book_with_two()
    cb.edit_item(book, "toy", "R1", "Say which unit the answer is in", "bo")
    cb.edit_item(book, "toy", OBSERVED[0], "The reference answer must be right", "cy", observed=OBSERVED)
    cb.retire_item(book, "toy", OBSERVED[1], "cy", reason="  not a content problem ", observed=OBSERVED)
    cb.retire_item(book, "toy", "R2", "ana")
    facts = [e.fact for e in book.collect_events()]
    assert [type(x) for x in facts] == [
        f.ChecklistItemAdded,
        f.ChecklistItemAdded,
        f.ChecklistItemEdited,
        f.ChecklistItemEdited,
        f.ChecklistItemRetired,
        f.ChecklistItemRetired,
    ]
    assert facts[0] == f.ChecklistItemAdded(
        recipe="toy", item_id="R1", text="State the unit of the answer", reviewer="ana"
    )
    assert facts[4] == f.ChecklistItemRetired(
        recipe="toy", item_id=OBSERVED[1], reviewer="cy", reason="not a content problem"
    )
    assert book.id == cb.checklist_uuid("toy") != cb.checklist_uuid("toy2")
    assert book.items["R1"] == {
        "text": "Say which unit the answer is in",
        "source": "reviewer",
        "retired": False,
        "by": "bo",
    }
    assert book.items[OBSERVED[1]]["retired"] and book.items[OBSERVED[0]]["source"] == "observed"
    assert set(book.active_texts(OBSERVED).values()) == {"R1", OBSERVED[0]}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda b: cb.add_item(b, "toy", "  \n ", "ana"), "must not be empty"),
        (lambda b: cb.add_item(b, "toy", "x" * 501, "ana"), "at most 500"),
        (lambda b: cb.add_item(b, "toy", "a new item", " "), "reviewer must not be empty"),
        (lambda b: cb.add_item(b, "toy", "GIVE THE  TOLERANCE", "ana"), "already has an active item"),
        (lambda b: cb.add_item(b, "toy", OBSERVED[1].upper(), "ana", OBSERVED), "already has an active item"),
        (lambda b: cb.edit_item(b, "toy", "R7", "new words", "ana"), "has no item 'R7'"),
        (lambda b: cb.edit_item(b, "toy", "R1", "Give the tolerance", "ana"), "already has an active item"),
        (lambda b: cb.edit_item(b, "toy", "R1", "State the unit of the answer", "ana"), "already reads"),
        (lambda b: cb.edit_item(b, "toy", "R1", "", "ana"), "must not be empty"),
        (lambda b: cb.retire_item(b, "toy", OBSERVED[0], "ana"), "has no item"),  # not shown as observed
    ],
)
def test_refusals_record_nothing(command, message: str) -> None:  # noqa: ANN001
    book = book_with_two()
    before = book.version
    with pytest.raises(ChecklistError, match=message.replace("(", r"\(")):
        command(book)
    assert book.version == before


def test_retired_items_cannot_be_changed_but_their_text_is_free_again() -> None:
    book = book_with_two()
    cb.retire_item(book, "toy", "R1", "ana", reason="obsolete")
    with pytest.raises(ChecklistError, match="already retired"):
        cb.retire_item(book, "toy", "R1", "ana")
    with pytest.raises(ChecklistError, match="is retired; cannot edit"):
        cb.edit_item(book, "toy", "R1", "other words", "ana")
    book, item_id = cb.add_item(book, "toy", "State the unit of the answer", "bo")
    assert item_id == "R3"
    with pytest.raises(UnknownChecklistItem):
        cb.retire_item(None, "toy", "R1", "ana")
    assert issubclass(ChecklistError, DomainError)


def test_a_book_round_trips_through_the_ledger() -> None:
    ledger = AssayLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    book, _ = cb.add_item(None, "toy", "State the unit", "ana")
    ledger.save(book)
    loaded: cb.ChecklistBook = ledger.repository.get(cb.checklist_uuid("toy"))
    cb.retire_item(loaded, "toy", "R1", "bo", observed=())
    book2, item_id = cb.add_item(loaded, "toy", "Give the tolerance", "bo")
    ledger.save(book2)
    again: cb.ChecklistBook = ledger.repository.get(cb.checklist_uuid("toy"))
    assert item_id == "R2" and again.version == 3 and again.recipe == "toy"
    assert again.items["R1"]["retired"] and again.items["R2"]["text"] == "Give the tolerance"
    with pytest.raises(ChecklistError, match="'toy2' item offered to the 'toy' checklist"):
        cb.ChecklistBook.record(again, f.ChecklistItemRetired(recipe="toy2", item_id="R2", reviewer="x"))


def test_an_observed_item_changed_by_a_reviewer_keeps_its_id_as_text_until_reworded() -> None:
    book = book_with_two()
    cb.retire_item(book, "toy", OBSERVED[1], "cy", observed=OBSERVED)
    assert book.items[OBSERVED[1]] == {"text": None, "source": "observed", "retired": True, "by": "cy"}
    assert cb.shown(book, OBSERVED[1]) == OBSERVED[1]  # never reworded: it reads as its id
    assert book.collect_events()[-1].fact.reason == ""  # type: ignore[attr-defined]  # no reason given
    cb.edit_item(book, "toy", OBSERVED[0], "The reference answer must be right", "dee", observed=OBSERVED)
    assert book.items[OBSERVED[0]] == {
        "text": "The reference answer must be right",
        "source": "observed",
        "retired": False,
        "by": "dee",
    }
    assert cb.shown(None, "R1") == "R1"  # no book yet: every item reads as its id


def test_the_first_item_is_checked_against_the_observed_ones() -> None:
    with pytest.raises(ChecklistError) as info:
        cb.add_item(None, "toy", f"  {OBSERVED[1].upper()} ", "ana", observed=OBSERVED)
    assert str(info.value) == (
        f"the checklist already has an active item reading {OBSERVED[1].upper()!r} (item {OBSERVED[1]!r})"
    )
    book, item_id = cb.add_item(None, "toy", "State the unit", "ana", observed=OBSERVED)
    assert item_id == "R1" and book.items["R1"]["text"] == "State the unit"


def test_an_item_may_be_recased_and_may_be_exactly_500_characters() -> None:
    book = book_with_two()
    cb.edit_item(book, "toy", "R1", "state the unit of the answer", "bo")  # only the case changes: not a clash
    assert book.items["R1"]["text"] == "state the unit of the answer"
    book, item_id = cb.add_item(book, "toy", "x" * 500, "ana")
    assert book.items[item_id]["text"] == "x" * 500


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda b: cb.add_item(b, "toy", "  \n ", "ana"), "checklist item text must not be empty"),
        (lambda b: cb.add_item(b, "toy", "x" * 501, "ana"), "checklist item text is 501 characters; at most 500"),
        (lambda b: cb.add_item(b, "toy", "a new item", " "), "reviewer must not be empty"),
        (lambda b: cb.edit_item(b, "toy", "R7", "new words", "ana"), "the toy checklist has no item 'R7'"),
        (lambda b: cb.retire_item(b, "toy", "R7", "ana"), "the toy checklist has no item 'R7'"),
    ],
)
def test_refusal_messages_in_full(command: Callable[[cb.ChecklistBook], object], message: str) -> None:
    with pytest.raises(ChecklistError) as info:
        command(book_with_two())
    assert str(info.value) == message
