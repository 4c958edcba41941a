"""The reflection checklist, for `assay checklist`, `assay status` and the review page (blocking calls).

What is shown: per recipe the current checklist, its entries and the rates per checklist version. What
reviewers do: add, edit or retire items, recorded as ledger facts. Refusals are domain errors
(``ChecklistError``, ``NotFound``, ``InvalidInput``) naming the problem; nothing is recorded then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import recipes
from adapters import logs
from adapters.ledger import AssayLedger, change_and_save, find
from adapters.tracking import TrackingStore
from adapters.views import catch_up, kept
from domain import checklist_book as cb
from domain.errors import ChecklistBusy, ChecklistError, InvalidInput, NotFound
from domain.reviewer import check_name
from projections.checklist import Checklist
from projections.reflection import Reflection

ATTEMPTS = 5  # a concurrent change to the same book is re-validated and retried this often
ACTIONS = ("add", "edit", "retire")
MAX_REASON = 4000
log = logs.get("assay.review")


def add_item(ledger: AssayLedger, recipe: str, text: str, reviewer: str) -> str:
    """Add a reviewer item to ``recipe``'s checklist; returns its id ("R1", "R2", ...)."""
    check_name(reviewer)  # the one reviewer-name rule, for the page, its API and `assay checklist`
    added: list[str] = []

    def command(book: cb.ChecklistBook | None, observed: list[str]) -> cb.ChecklistBook:
        book, item_id = cb.add_item(book, recipe, text, reviewer, observed)
        added[:] = [item_id]
        return book

    _save(ledger, recipe, command)
    return added[0]


def edit_item(ledger: AssayLedger, recipe: str, item_id: str, text: str, reviewer: str) -> None:
    """Reword an active item: a reviewer item by id, or an observed item by its text (its id in entries())."""
    check_name(reviewer)
    _save(ledger, recipe, lambda book, observed: cb.edit_item(book, recipe, item_id, text, reviewer, observed))


def retire_item(ledger: AssayLedger, recipe: str, item_id: str, reviewer: str, reason: str = "") -> None:
    """Take an active item off the list authors see (reviewer or observed item)."""
    check_name(reviewer)
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


def reflection_view(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """Per recipe with a checklist or drafts: the current checklist version, its entries, and the gate-survival
    and approval rates of the drafts made under each checklist version.

    ``{recipe: {"version": int, "checklist": [entry, ...], "rates": [{"version", "drafted", "survived",
    "survival_rate", "decided", "approved", "approval_rate", ...}, ...]}}``; rates are None with nothing to
    divide by."""
    checklist = catch_up(ledger, tracking, Checklist)
    reflection = catch_up(ledger, tracking, Reflection)
    names = sorted(set(checklist.recipes) | set(reflection.recipes))
    return {
        r: {"version": checklist.version(r), "checklist": checklist.entries(r), "rates": reflection.rates(r)}
        for r in names
    }


def view(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """``reflection_view`` for every installed recipe and any other the ledger knows, each marked ``installed``."""
    data = reflection_view(ledger, tracking)
    known = list(recipes.names())
    out: dict[str, dict[str, Any]] = {}
    for recipe in sorted(set(known) | set(data)):
        v = data.get(recipe) or {"version": 0, "checklist": [], "rates": []}
        out[recipe] = {**v, "installed": recipe in known}
    return out


def check_target(recipe: str, action: str) -> None:
    """``NotFound`` unless ``recipe`` is installed here and ``action`` is add, edit or retire."""
    known = recipes.names()
    if recipe not in known:
        raise NotFound(f"unknown recipe {recipe!r}; known: {', '.join(known)}")
    if action not in ACTIONS:
        raise NotFound(f"unknown checklist action {action!r}: use add, edit or retire")


def change(
    ledger: AssayLedger, recipe: str, action: str, reviewer: str, item_id: str = "", text: str = "", reason: str = ""
) -> dict[str, Any]:
    """Add, edit or retire a checklist item as ``reviewer``; a domain error when refused.

    Returns what was recorded: the item as it now reads, the new checklist version and a one-line message."""
    check_target(recipe, action)
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is too long ({len(reason)} characters; at most {MAX_REASON})")
    bound = log.bind(recipe=recipe, reviewer=reviewer, action=action)
    if action == "add":
        item_id = add_item(ledger, recipe, text, reviewer)
    elif action == "edit":
        edit_item(ledger, recipe, item_id, text, reviewer)
    else:
        retire_item(ledger, recipe, item_id, reviewer, reason)
    checklist = checklist_view(ledger)
    version = checklist.version(recipe)
    item = next((e for e in checklist.entries(recipe) if e["id"] == item_id), None)
    where = {"add": "to", "edit": "in", "retire": "from"}[action]
    done = {"add": "added", "edit": "edited", "retire": "retired"}[action]
    shown = item_id if action == "add" else repr(_short(item_id))
    bound.info("checklist changed", item_id=item_id, version=version)
    return {
        "recipe": recipe,
        "action": action,
        "item_id": item_id,
        "item": item,
        "reviewer": reviewer,
        "version": version,
        "message": f"{done} {shown} {where} the {recipe} checklist by {reviewer} (now version {version})",
    }


def _short(item_id: str, limit: int = 60) -> str:
    return item_id if len(item_id) <= limit else item_id[: limit - 1] + "…"
