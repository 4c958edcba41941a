"""Reflection rates: per recipe and checklist version, how many drafts survived the gates and were approved.

Each Drafted fact records the checklist version its author saw, so a team can see whether the factory gets
better as its checklist grows: gate survival = queued / settled drafts (settled = queued or rejected), approval =
approved or edited / decided.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from domain import facts as f
from projections.base import JsonView

_COUNTS = ("drafted", "survived", "rejected", "decided", "approved")


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


class Reflection(JsonView):
    """Counts per (recipe, checklist version); open candidates remember theirs until decided or rejected."""

    name: ClassVar[str] = "reflection"
    schema: ClassVar[int] = 1

    # recipe -> str(version) -> counts
    recipes: dict[str, dict[str, dict[str, int]]]
    open: dict[str, list[Any]]  # candidate id -> [recipe, version]
    fields: ClassVar[tuple[str, ...]] = ("recipes", "open")

    on: ClassVar[dict[type, str | None]] = {
        f.Drafted: "_drafted",
        f.Queued: "_queued",
        f.Rejected: "_rejected",
        f.VerdictGiven: "_verdict",
    }

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted, env.fact)
        if fact.origin is not None:
            return  # a replay re-gates a draft already counted here: its author wrote nothing new
        self.open[env.originator_id] = [fact.recipe, fact.checklist_version]
        self._row(fact.recipe, fact.checklist_version)["drafted"] += 1

    def _queued(self, env: f.Envelope) -> None:
        where = self.open.get(env.originator_id)
        if where is not None:
            self._row(*where)["survived"] += 1

    def _rejected(self, env: f.Envelope) -> None:
        where = self.open.pop(env.originator_id, None)
        if where is not None:
            self._row(*where)["rejected"] += 1

    def _verdict(self, env: f.Envelope) -> None:
        where = self.open.pop(env.originator_id, None)
        if where is not None:
            row = self._row(*where)
            row["decided"] += 1
            row["approved"] += cast(f.VerdictGiven, env.fact).verdict in ("approve", "edit")

    def _row(self, recipe: str, version: int) -> dict[str, int]:
        versions = self.recipes.get(recipe)
        if versions is None:
            versions = self.recipes[recipe] = {}
        row = versions.get(key := str(version))
        if row is None:
            row = versions[key] = dict.fromkeys(_COUNTS, 0)
        return row

    # --- queries -----------------------------------------------------------------------------

    def rates(self, recipe: str) -> list[dict[str, Any]]:
        """One row per checklist version that has drafts, oldest version first."""
        out = []
        for version, c in sorted(self.recipes.get(recipe, {}).items(), key=lambda kv: int(kv[0])):
            settled = c["survived"] + c["rejected"]
            out.append(
                {
                    "version": int(version),
                    **c,
                    "settled": settled,
                    "survival_rate": rate(c["survived"], settled),
                    "approval_rate": rate(c["approved"], c["decided"]),
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "recipes": len(self.recipes),
            "versions": sum(len(v) for v in self.recipes.values()),
            "open_candidates": len(self.open),
        }
