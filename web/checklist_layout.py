"""The reflection checklist as the review page lays it out: rate rows, counts, the queue page's summary.

The data and the reviewers' add / edit / retire are ``app.checklist``'s, shared with `assay checklist`.
"""

from __future__ import annotations

from typing import Any

RATE_ROWS = 12  # on the page, older versions are summed into one row (the API has every version)


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
