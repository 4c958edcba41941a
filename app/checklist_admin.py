"""Reviewers curate a recipe's reflection checklist: add, edit or retire items (blocking; ledger facts).

Used by `assay checklist` and the review page. Refusals raise ``domain.errors.ChecklistError`` (a
``DomainError``) with a message naming the problem; nothing is recorded then.
"""

from __future__ import annotations

from collections.abc import Callable

import recipes
from adapters.ledger import AssayLedger, change_and_save, find
from adapters.views import kept
from domain import checklist_book as cb
from domain.errors import ChecklistBusy, ChecklistError
from projections.checklist import Checklist

ATTEMPTS = 5  # a concurrent change to the same book is re-validated and retried this often


def add_item(ledger: AssayLedger, recipe: str, text: str, reviewer: str) -> str:
    """Add a reviewer item to ``recipe``'s checklist; returns its id ("R1", "R2", ...)."""
    added: list[str] = []

    def command(book: cb.ChecklistBook | None, observed: list[str]) -> cb.ChecklistBook:
        book, item_id = cb.add_item(book, recipe, text, reviewer, observed)
        added[:] = [item_id]
        return book

    _save(ledger, recipe, command)
    return added[0]


def edit_item(ledger: AssayLedger, recipe: str, item_id: str, text: str, reviewer: str) -> None:
    """Reword an active item: a reviewer item by id, or an observed item by its text (its id in entries())."""
    _save(ledger, recipe, lambda book, observed: cb.edit_item(book, recipe, item_id, text, reviewer, observed))


def retire_item(ledger: AssayLedger, recipe: str, item_id: str, reviewer: str, reason: str = "") -> None:
    """Take an active item off the list authors see (reviewer or observed item)."""
    _save(ledger, recipe, lambda book, observed: cb.retire_item(book, recipe, item_id, reviewer, reason, observed))


def checklist_view(ledger: AssayLedger) -> Checklist:
    """The checklist projection, kept in memory per ledger and advanced to the ledger's end."""
    return kept(ledger, Checklist)


def _save(
    ledger: AssayLedger, recipe: str, command: Callable[[cb.ChecklistBook | None, list[str]], cb.ChecklistBook]
) -> None:
    known = recipes.names()
    if recipe not in known:
        raise ChecklistError(f"unknown recipe {recipe!r}; known: {', '.join(known)}")

    def change() -> cb.ChecklistBook:
        observed = [e["id"] for e in checklist_view(ledger).entries(recipe) if e["source"] == "observed"]
        return command(find(ledger, cb.checklist_uuid(recipe)), observed)

    busy = ChecklistBusy(f"the {recipe} checklist kept changing under us; try again")
    change_and_save(ledger, change, ATTEMPTS, busy)
