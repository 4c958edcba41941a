"""The reflection checklist on the review page and API (blocking calls).

What is shown comes from ``app.reflection.reflection_view`` (as `assay status` and `assay checklist`);
reviewers' add / edit / retire go through ``app.checklist_admin``, recorded as the signed-in reviewer.
Every refusal is a WebError raised before anything is saved, so the ledger is unchanged by bad input.
"""

from __future__ import annotations

from typing import Any

from adapters import logs
from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from app import checklist_admin
from app.reflection import reflection_view
from web.errors import WebError

log = logs.get("assay.review")
ACTIONS = ("add", "edit", "retire")
MAX_REASON = 4000
RATE_ROWS = 12  # on the page, older versions are summed into one row (the API has every version)


def _known() -> list[str]:
    import recipes

    return list(recipes.names())


def view(ledger: AssayLedger, tracking: TrackingStore) -> dict[str, dict[str, Any]]:
    """Per recipe (every installed one, and any other the ledger knows): the current checklist version, its
    entries with who added, edited or retired each, and the rates per checklist version (every version)."""
    data = reflection_view(ledger, tracking)
    known = _known()
    out: dict[str, dict[str, Any]] = {}
    for recipe in sorted(set(known) | set(data)):
        v = data.get(recipe) or {"version": 0, "checklist": [], "rates": []}
        out[recipe] = {
            "version": v["version"],
            "checklist": v["checklist"],
            "rates": v["rates"],
            "installed": recipe in known,
        }
    return out


def percent(part: int, whole: int, ratio: float | None) -> str:
    """``42% (10/24)``, or ``- (0/0)`` with nothing to divide by (as `assay status` prints it)."""
    return f"{'-' if ratio is None else f'{100 * ratio:.0f}%'} ({part}/{whole})"


def rate_rows(rates: list[dict[str, Any]], current: int, last: int = RATE_ROWS) -> list[dict[str, Any]]:
    """The rates as table rows, oldest version first; all but the ``last - 1`` newest versions summed into one."""
    from projections.reflection import rate

    rows = [dict(r, label=f"v{r['version']}", first=r["version"]) for r in rates]
    if len(rows) > last:
        early, rows = rows[: -(last - 1)], rows[-(last - 1) :]
        merged: dict[str, Any] = {
            k: sum(r[k] for r in early) for k in ("drafted", "survived", "settled", "approved", "decided")
        }
        merged.update(
            label=f"v{early[0]['version']}-v{early[-1]['version']}",
            version=early[-1]["version"],
            first=early[0]["version"],
            survival_rate=rate(merged["survived"], merged["settled"]),
            approval_rate=rate(merged["approved"], merged["decided"]),
        )
        rows = [merged, *rows]
    for r in rows:
        r.update(
            survived_text=percent(r["survived"], r["settled"], r["survival_rate"]),
            approved_text=percent(r["approved"], r["decided"], r["approval_rate"]),
            current=r["first"] <= current <= r["version"],
        )
    return rows


def page(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``view()`` with what the page shows besides: rate rows, item counts, first and latest rates. Recipes with
    a checklist or drafts come first."""
    out = {}
    for recipe, v in sorted(data.items(), key=lambda kv: (not (kv[1]["checklist"] or kv[1]["rates"]), kv[0])):
        entries = v["checklist"]
        rows = rate_rows(v["rates"], v["version"])
        out[recipe] = {
            **v,
            "rows": rows,
            "first": rows[0] if rows else None,
            "latest": rows[-1] if rows else None,
            "active": sum(not e["retired"] for e in entries),
            "reviewer_items": sum(not e["retired"] and e["source"] == "reviewer" for e in entries),
            "retired": sum(e["retired"] for e in entries),
        }
    return out


def summary(data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per recipe with a checklist or drafts, for the queue page."""
    return [{"recipe": r, **v} for r, v in page(data).items() if v["checklist"] or v["rates"]]


def _short(item_id: str, limit: int = 60) -> str:
    return item_id if len(item_id) <= limit else item_id[: limit - 1] + "…"


def check_target(recipe: str, action: str) -> None:
    """WebError 404 unless ``recipe`` is installed here and ``action`` is add, edit or retire."""
    known = _known()
    if recipe not in known:
        raise WebError(404, f"unknown recipe {recipe!r}; known: {', '.join(known)}")
    if action not in ACTIONS:
        raise WebError(404, f"unknown checklist action {action!r}: use add, edit or retire")


def change(
    ledger: AssayLedger, recipe: str, action: str, reviewer: str, item_id: str = "", text: str = "", reason: str = ""
) -> dict[str, Any]:
    """Add, edit or retire a checklist item as ``reviewer``; WebError (404, 409, 422) when refused.

    Returns what was recorded: the item as it now reads, the new checklist version and a one-line message."""
    from domain.errors import ChecklistBusy, DomainError, UnknownChecklistItem

    check_target(recipe, action)
    if len(reason) > MAX_REASON:
        raise WebError(422, f"the reason is too long ({len(reason)} characters; at most {MAX_REASON})")
    bound = log.bind(recipe=recipe, reviewer=reviewer, action=action)
    try:
        if action == "add":
            item_id = checklist_admin.add_item(ledger, recipe, text, reviewer)
        elif action == "edit":
            checklist_admin.edit_item(ledger, recipe, item_id, text, reviewer)
        else:
            checklist_admin.retire_item(ledger, recipe, item_id, reviewer, reason)
    except UnknownChecklistItem as exc:
        raise WebError(404, str(exc)) from None
    except DomainError as exc:  # empty, too long or duplicate text, a retired item; 409 if it kept changing
        raise WebError(409 if isinstance(exc, ChecklistBusy) else 422, str(exc)) from None
    checklist = checklist_admin.checklist_view(ledger)
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
