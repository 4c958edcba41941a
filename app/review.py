"""The review queue as reviewers filter it (the page and its API; blocking calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from projections.review_queue import ReviewQueue

HISTORY_HELP = {"": "any gate history", "clean": "passed every gate first time", "repaired": "was repaired"}


@dataclass(frozen=True)
class Filters:
    """Queue filters; empty strings mean "any". ``history``: clean, repaired, or repaired:GATE."""

    run: str = ""
    recipe: str = ""
    band: str = ""
    history: str = ""

    @classmethod
    def of(cls, params: Any) -> Filters:
        return cls(**{k: str(params.get(k) or "").strip()[:100] for k in ("run", "recipe", "band", "history")})

    def matches(self, q: dict[str, Any]) -> bool:
        if (self.run and q["run_id"] != self.run) or (self.recipe and q["recipe"] != self.recipe):
            return False
        if self.band and (q["band"] or "-") != self.band:
            return False
        gates = q.get("repaired_gates", [])
        if self.history == "clean":
            return not gates and not q.get("repairs")
        if self.history == "repaired":
            return bool(gates or q.get("repairs"))
        if self.history.startswith("repaired:"):
            return self.history.removeprefix("repaired:") in gates
        return True

    def query(self) -> str:
        """The filters as a query string (``""`` when none are set), for links that keep them."""
        from urllib.parse import urlencode

        pairs = {k: v for k, v in vars(self).items() if v}
        return urlencode(pairs)

    def as_dict(self) -> dict[str, str]:
        return dict(vars(self))


def queue(ledger: AssayLedger, tracking: TrackingStore, filters: Filters) -> dict[str, Any]:
    """Waiting points (oldest first) matching ``filters``, and the values each filter can take."""

    everything = catch_up(ledger, tracking, ReviewQueue).items()
    gates = sorted({g for q in everything for g in q.get("repaired_gates", [])})
    history = dict(HISTORY_HELP) | {f"repaired:{g}": f"passed {g} after a repair" for g in gates}
    return {
        "items": [q for q in everything if filters.matches(q)],
        "total": len(everything),
        "filters": filters.as_dict(),
        "options": {
            "run": sorted({q["run_id"] for q in everything}),
            "recipe": sorted({q["recipe"] for q in everything}),
            "band": sorted({q["band"] or "-" for q in everything}),
            "history": history,
        },
    }
