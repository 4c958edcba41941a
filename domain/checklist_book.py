"""The ChecklistBook aggregate: reviewers' additions, edits and retirements of one recipe's reflection checklist.

Observed items (criteria counted from rejections by the checklist projection) are not stored here; a reviewer
may still edit or retire one, naming it by its text, so commands take the ids of the observed items the
caller can see. Commands validate, then record one fact; a book is created by its first fact.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import facts as f
from domain.chain import Chained
from domain.errors import ChecklistError, UnknownChecklistItem

_BOOKS = uuid5(NAMESPACE_URL, "assay:checklist")
MAX_TEXT = 500
ItemFact = f.ChecklistItemAdded | f.ChecklistItemEdited | f.ChecklistItemRetired


def checklist_uuid(recipe: str) -> UUID:
    """The aggregate id of ``recipe``'s checklist book."""
    return uuid5(_BOOKS, recipe)


def clean(text: str) -> str:
    """One line, single spaces: an item is shown to authors as one bullet."""
    return " ".join(text.split())


class ChecklistBook(Chained):
    """Per recipe: reviewer items by id, and reviewer changes to observed items keyed by their text."""

    class Started(Chained.Started):
        fact: ItemFact

    class Recorded(Chained.Recorded):
        fact: f.AnyFact

    def __init__(self, fact: ItemFact) -> None:
        self.recipe = fact.recipe
        # id -> {"text": current text (None: an observed item never reworded), "source", "retired", "by"}
        self.items: dict[str, dict[str, Any]] = {}
        self.added = 0
        self._when(fact)

    @classmethod
    def record(cls, book: ChecklistBook | None, fact: ItemFact) -> ChecklistBook:
        """Record ``fact`` on ``book``, creating the book with it when there is none yet."""
        if book is None:
            return cls._create(cls.Started, id=checklist_uuid(fact.recipe), fact=fact)
        if fact.recipe != book.recipe:
            raise ChecklistError(f"a {fact.recipe!r} item offered to the {book.recipe!r} checklist")
        book.trigger_event(cls.Recorded, fact=fact)
        return book

    # --- queries -----------------------------------------------------------------------------

    def active_texts(self, observed: Collection[str] = ()) -> dict[str, str]:
        """Folded text -> id of every item not retired, observed ones included."""
        out = {}
        for item_id in [*self.items, *(o for o in observed if o not in self.items)]:
            entry = self.items.get(item_id)
            if entry is None or not entry["retired"]:
                out[clean(shown(self, item_id)).casefold()] = item_id
        return out

    # --- state transitions -------------------------------------------------------------------

    def _when(self, fact: f.Fact) -> None:
        if isinstance(fact, f.ChecklistItemAdded):
            self.added += 1
            self.items[fact.item_id] = {"text": fact.text, "source": "reviewer", "retired": False, "by": fact.reviewer}
        elif isinstance(fact, f.ChecklistItemEdited):
            entry = self.items.setdefault(fact.item_id, _observed())
            entry.update(text=fact.text, by=fact.reviewer)
        elif isinstance(fact, f.ChecklistItemRetired):
            entry = self.items.setdefault(fact.item_id, _observed())
            entry.update(retired=True, by=fact.reviewer)


def _observed() -> dict[str, Any]:
    return {"text": None, "source": "observed", "retired": False, "by": ""}


def shown(book: ChecklistBook | None, item_id: str) -> str:
    """The text an item reads as now: a reviewer's wording, else (observed items) the id itself."""
    entry = book.items.get(item_id) if book else None
    return entry["text"] if entry and entry["text"] is not None else item_id


# --- commands ----------------------------------------------------------------------------------


def add_item(
    book: ChecklistBook | None, recipe: str, text: str, reviewer: str, observed: Collection[str] = ()
) -> tuple[ChecklistBook, str]:
    """A reviewer's new criterion; returns the book and the new item's id ("R1", "R2", ...)."""
    text = _text(text)
    _reviewer(reviewer)
    _unique(book, text, observed, None)
    item_id = f"R{(book.added if book else 0) + 1}"
    fact = f.ChecklistItemAdded(recipe=recipe, item_id=item_id, text=text, reviewer=reviewer.strip())
    return ChecklistBook.record(book, fact), item_id


def edit_item(
    book: ChecklistBook | None, recipe: str, item_id: str, text: str, reviewer: str, observed: Collection[str] = ()
) -> ChecklistBook:
    """Reword an active item, a reviewer's (by id) or an observed one (by its text)."""
    text = _text(text)
    _reviewer(reviewer)
    _active(book, recipe, item_id, observed, "edit")
    if clean(shown(book, item_id)) == text:
        raise ChecklistError(f"item {item_id!r} already reads {text!r}")
    _unique(book, text, observed, item_id)
    fact = f.ChecklistItemEdited(recipe=recipe, item_id=item_id, text=text, reviewer=reviewer.strip())
    return ChecklistBook.record(book, fact)


def retire_item(
    book: ChecklistBook | None,
    recipe: str,
    item_id: str,
    reviewer: str,
    reason: str = "",
    observed: Collection[str] = (),
) -> ChecklistBook:
    """Take an active item off the checklist authors see; it stays in the history."""
    _reviewer(reviewer)
    _active(book, recipe, item_id, observed, "retire")
    fact = f.ChecklistItemRetired(recipe=recipe, item_id=item_id, reviewer=reviewer.strip(), reason=clean(reason))
    return ChecklistBook.record(book, fact)


def _text(text: str) -> str:
    text = clean(text)
    if not text:
        raise ChecklistError("checklist item text must not be empty")
    if len(text) > MAX_TEXT:
        raise ChecklistError(f"checklist item text is {len(text)} characters; at most {MAX_TEXT}")
    return text


def _reviewer(reviewer: str) -> None:
    if not reviewer.strip():
        raise ChecklistError("reviewer must not be empty")


def _active(book: ChecklistBook | None, recipe: str, item_id: str, observed: Collection[str], verb: str) -> None:
    entry = book.items.get(item_id) if book else None
    if entry is None and item_id not in observed:
        raise UnknownChecklistItem(f"the {recipe} checklist has no item {item_id!r}")
    if entry is not None and entry["retired"]:
        raise ChecklistError(
            f"item {item_id!r} is already retired"
            if verb == "retire"
            else f"item {item_id!r} is retired; cannot {verb} it"
        )


def _unique(book: ChecklistBook | None, text: str, observed: Collection[str], item_id: str | None) -> None:
    active = book.active_texts(observed) if book else {clean(o).casefold(): o for o in observed}
    other = active.get(text.casefold())
    if other is not None and other != item_id:
        raise ChecklistError(f"the checklist already has an active item reading {text!r} (item {other!r})")
