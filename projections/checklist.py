"""Reflection checklists: per recipe, the criteria drafts most often miss, from rejections and verdicts.

Near-identical reasons merge into one observed item with a count; only reasons an author can act on count, and
a reviewer's weighs more than a gate's. Reviewers curate the list with
ChecklistItemAdded / Edited / Retired facts (domain.checklist_book). Generation puts ``items(recipe)`` into
the author's prompt and records ``version(recipe)`` on the draft, so acceptance can be compared across
checklist versions (projections.reflection).
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar, cast

from domain import facts as f
from projections.base import JsonView

TOP = 10  # how many items the author sees; the version follows this list

_REPAIRS = re.compile(r"\s*\(still failing after \d+ repairs?\)\s*$")
_UUID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b", re.I)
_HEX = re.compile(r"\b[0-9a-f]{12,}\b", re.I)
# Quoted values, but not apostrophes inside words ("doesn't").
_QUOTED = re.compile(r"""(?<!\w)(?:'[^']*'|"[^"]*"|`[^`]*`|“[^”]*”)(?!\w)""")
_NUMBER = re.compile(r"(?<![\w@.])[-+]?\d+(?:[.,]\d+)*%?(?![\w])")
_SPACE = re.compile(r"\s+")
# Infrastructure failures say nothing about what a good item needs.
_NOT_CRITERIA = ("model error", "repair failed")
# Rejections no author can act on: a model failed or answered junk (Rejected.cause), or the probe placed the item
# out of the difficulty band (the author is already asked for the coordinate's difficulty; "flat" or "too easy"
# names no criterion to check). An ambiguity found by the probe stays: the author can write one reading.
_NOT_THE_AUTHORS = ("model_error", "unusable_output")
_OUT_OF_BAND = "out of band"
REVIEWER_WEIGHT = 3  # a reviewer's reason ranks as this many gate reasons: a person read the point


@functools.lru_cache(maxsize=8192)  # reasons repeat (gates word them from templates); six regex passes each
def normalise(reason: str) -> str:
    """A reason with its particulars removed, so near-identical reasons merge into one item."""
    # Lower-case first, so the placeholders stay visible in capitals.
    text = _REPAIRS.sub("", reason.strip()).lower()
    text = _UUID.sub("ID", text)
    text = _HEX.sub("ID", text)
    text = _QUOTED.sub("'…'", text)
    text = _NUMBER.sub("N", text)
    return _SPACE.sub(" ", text).strip().rstrip(".;:, ")


def item_text(gate: str, reason: str) -> str | None:
    """``gate: reason`` normalised, or None when the reason is about infrastructure, not content."""
    norm = normalise(reason)
    if norm.startswith(_NOT_CRITERIA):
        return None
    return f"{gate}: {norm}" if norm else gate


def actionable(fact: f.Rejected) -> bool:
    """Whether an author could act on this rejection (``_NOT_THE_AUTHORS``, ``_OUT_OF_BAND``)."""
    return fact.cause not in _NOT_THE_AUTHORS and not fact.reason.lstrip().lower().startswith(_OUT_OF_BAND)


class Checklist(JsonView):
    """Per recipe: observed items with counts, plus reviewer items and reviewer changes (edits, retirements).

    Observed items come from reasons an author can act on (``actionable``) and rank by ``weight``: a gate's reason
    adds 1, a reviewer's ``REVIEWER_WEIGHT``. ``items`` is what authors see; ``version`` bumps whenever that list
    changes."""

    name: ClassVar[str] = "checklist"
    schema: ClassVar[int] = 3  # 3: only actionable reasons; ranked by weight (reviewers' reasons weigh more)

    # recipe -> {"items": {text: {"count", "weight", "first"}}, "curated": {id: {...}}, "shown": [text],
    #            "version": int}
    recipes: dict[str, dict[str, Any]]
    # candidates still able to produce a rejection or verdict -> their recipe
    open: dict[str, str]
    fields: ClassVar[tuple[str, ...]] = ("recipes", "open")

    on: ClassVar[dict[type, str | None]] = {
        f.Drafted: "_drafted",
        f.Rejected: "_rejected",
        f.VerdictGiven: "_verdict",
        f.ChecklistItemAdded: "_curate",
        f.ChecklistItemEdited: "_curate",
        f.ChecklistItemRetired: "_curate",
    }

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__init__(state)
        # recipe -> its observed items' texts, heaviest first, as _ranked orders them: kept in order as reasons
        # are counted (one count moves one item), not sorted again on every counted reason
        self._order: dict[str, list[str]] = {}

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted, env.fact)
        if fact.origin is None:  # a replay re-judges a recorded draft: counting it again would count it twice
            self.open[env.originator_id] = fact.recipe  # failed drafts never enter: their failure is no criterion

    def _rejected(self, env: f.Envelope) -> None:
        recipe = self.open.pop(env.originator_id, None)
        if recipe is not None:
            fact = cast(f.Rejected, env.fact)
            if actionable(fact):
                self._count(recipe, item_text(fact.gate, fact.reason), env.position)

    def _verdict(self, env: f.Envelope) -> None:
        recipe = self.open.pop(env.originator_id, None)
        fact = cast(f.VerdictGiven, env.fact)
        # A reviewer's edit with a reason is a missed criterion too, not only a rejection.
        if recipe is not None and fact.reason.strip() and fact.verdict in ("reject", "edit"):
            self._count(recipe, item_text("review", fact.reason), env.position, REVIEWER_WEIGHT)

    def _book(self, recipe: str) -> dict[str, Any]:
        return self.recipes.setdefault(recipe, {"items": {}, "curated": {}, "shown": [], "version": 0})

    def _count(self, recipe: str, text: str | None, position: int, weight: int = 1) -> None:
        if text is None:
            return
        book = self._book(recipe)
        items, order = book["items"], self._ordered(recipe, book)
        entry = items.get(text)
        if entry is None:
            entry = items[text] = {"count": 0, "weight": 0, "first": position}
            order.append(text)
        entry["count"] += 1
        entry["weight"] += weight
        # Move it ahead of the items it now outranks (_ranked's order: heavier first, then seen first).
        heavy, first = entry["weight"], entry["first"]
        i = len(order) - 1 if order[-1] is text else order.index(text)
        while i:
            ahead = items[order[i - 1]]
            if ahead["weight"] > heavy or (ahead["weight"] == heavy and ahead["first"] <= first):
                break
            order[i] = order[i - 1]
            i -= 1
        order[i] = text
        self._reshow(recipe)

    def _ordered(self, recipe: str, book: dict[str, Any]) -> list[str]:
        """The recipe's observed items in _ranked's order (sorted once, for a view loaded or a new recipe)."""
        order = self._order.get(recipe)
        if order is None:
            order = self._order[recipe] = [text for text, _ in self._ranked(book)]
        return order

    def _curate(self, env: f.Envelope) -> None:
        fact = cast(f.ChecklistItemAdded | f.ChecklistItemEdited | f.ChecklistItemRetired, env.fact)
        position = env.position
        curated = self._book(fact.recipe)["curated"]
        if isinstance(fact, f.ChecklistItemAdded):
            curated[fact.item_id] = {
                "text": fact.text,
                "source": "reviewer",
                "retired": False,
                "edited_by": None,
                "added_by": fact.reviewer,
                "first": position,
            }
        else:
            entry = curated.setdefault(
                fact.item_id,
                {
                    "text": None,
                    "source": "observed",
                    "retired": False,
                    "edited_by": None,
                    "added_by": None,
                    "first": position,
                },
            )
            if isinstance(fact, f.ChecklistItemEdited):
                entry.update(text=fact.text, edited_by=fact.reviewer)
            else:
                entry.update(retired=True, retired_by=fact.reviewer, reason=fact.reason)
        self._reshow(fact.recipe)

    def _reshow(self, recipe: str) -> None:
        book = self.recipes[recipe]
        shown = self._shown(book, self._ordered(recipe, book))
        if shown != book["shown"]:
            book["shown"] = shown
            book["version"] += 1

    @staticmethod
    def _shown(book: dict[str, Any], ranked: list[str], top: int = TOP) -> list[str]:
        """``items()`` for one book, without building every entry (this runs on every counted reason), given its
        observed items in _ranked's order."""
        curated = book["curated"]
        if not curated:  # no reviewer changes: the heaviest observed items as they are
            return ranked[:top]
        reviewer = sorted(
            (e["first"], i) for i, e in curated.items() if e["source"] == "reviewer" and not e.get("retired")
        )
        shown = [i if curated[i]["text"] is None else curated[i]["text"] for _, i in reviewer]
        observed = 0
        for text in ranked:
            if observed == top:
                break
            c = curated.get(text)
            if c is not None and (c.get("retired") or c["source"] == "reviewer"):
                continue
            shown.append(text if c is None or c.get("text") is None else c["text"])
            observed += 1
        return shown

    @staticmethod
    def _ranked(book: dict[str, Any]) -> list[tuple[str, int]]:
        # Heavier first; ties keep first-seen order, so a new item never jumps ahead of an equal older one.
        ordered = sorted(book["items"].items(), key=lambda kv: (-kv[1]["weight"], kv[1]["first"]))
        return [(text, e["count"]) for text, e in ordered]

    # --- queries -----------------------------------------------------------------------------

    def ranked(self, recipe: str, top: int | None = None) -> list[tuple[str, int]]:
        """Observed (item, count) as counted, heaviest first (``weight``); reviewer changes not applied."""
        book = self.recipes.get(recipe)
        rows = self._ranked(book) if book else []
        return rows if top is None else rows[:top]

    def entries(self, recipe: str) -> list[dict[str, Any]]:
        """Every item with its source, count, weight and state: active reviewer items, active observed items
        (heaviest first), then the retired ones. An observed item's id is its text as counted."""
        book = self.recipes.get(recipe)
        if book is None:
            return []
        curated = book["curated"]
        reviewer = sorted((e["first"], i) for i, e in curated.items() if e["source"] == "reviewer")
        rows = [_entry(i, curated[i], 0) for _, i in reviewer]
        items = book["items"]
        rows += [_entry(text, curated.get(text), n, items[text]["weight"]) for text, n in self._ranked(book)]
        return [r for r in rows if not r["retired"]] + [r for r in rows if r["retired"]]

    def items(self, recipe: str, top: int = TOP) -> list[str]:
        """What the author sees: active reviewer items, then the ``top`` heaviest observed ones."""
        active = [e for e in self.entries(recipe) if not e["retired"]]
        observed = [e["text"] for e in active if e["source"] == "observed"][:top]
        return [e["text"] for e in active if e["source"] == "reviewer"] + observed

    def version(self, recipe: str) -> int:
        """0 while the recipe has no checklist; +1 each time the list authors see changed."""
        book = self.recipes.get(recipe)
        return int(book["version"]) if book else 0

    def summary(self) -> dict[str, Any]:
        return {
            "recipes": len(self.recipes),
            "items": sum(len(b["items"]) for b in self.recipes.values()),
            "reviewer_items": sum(
                sum(e["source"] == "reviewer" for e in b["curated"].values()) for b in self.recipes.values()
            ),
            "versions": {r: b["version"] for r, b in sorted(self.recipes.items())},
        }


def _entry(item_id: str, curated: dict[str, Any] | None, count: int, weight: int = 0) -> dict[str, Any]:
    c = curated or {}
    text = c.get("text")
    return {
        "id": item_id,
        "text": item_id if text is None else text,
        "count": count,
        "weight": weight,  # what ranks it: 1 per gate reason, REVIEWER_WEIGHT per reviewer reason
        "source": c.get("source", "observed"),
        "retired": bool(c.get("retired")),
        "edited_by": c.get("edited_by"),
        "added_by": c.get("added_by"),
        "retired_by": c.get("retired_by"),
        "reason": c.get("reason") or "",
    }
