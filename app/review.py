"""The review queue as reviewers filter and search it, their progress, and the next undecided point (the page and
its API; blocking calls)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app.history import load_candidate
from domain.errors import NotFound
from domain.search import MAX_QUERY, compile_terms, matches, snippet, terms
from projections.review_queue import ReviewQueue

HISTORY_HELP = {"": "any gate history", "clean": "passed every gate first time", "repaired": "was repaired"}
KEYS = ("run", "recipe", "band", "history", "q")


@dataclass(frozen=True)
class Filters:
    """Queue filters; empty strings mean "any". ``history``: clean, repaired, or repaired:GATE. ``q``: a full-text
    search over the payload (prompt, answer, rubric...): words and "quoted phrases", all of which must occur."""

    run: str = ""
    recipe: str = ""
    band: str = ""
    history: str = ""
    q: str = ""

    @classmethod
    def of(cls, params: Any) -> Filters:
        return cls(**{k: str(params.get(k) or "").strip()[: MAX_QUERY if k == "q" else 100] for k in KEYS})

    @functools.cached_property
    def patterns(self) -> list[re.Pattern[str]]:
        return compile_terms(terms(self.q))

    def matches(self, q: dict[str, Any]) -> bool:
        if (self.run and q["run_id"] != self.run) or (self.recipe and q["recipe"] != self.recipe):
            return False
        if self.band and (q["band"] or "-") != self.band:
            return False
        if self.q and not matches(q.get("text", ""), self.patterns):
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

        pairs = {k: getattr(self, k) for k in KEYS if getattr(self, k)}
        return urlencode(pairs)

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in KEYS}


def _shown(q: dict[str, Any], filters: Filters) -> dict[str, Any]:
    """A queue row as the page and API list it: without the payload's whole text, with where a search hit."""
    row = {k: v for k, v in q.items() if k != "text"}
    if filters.q:
        row["snippet"] = [{"text": text, "hit": hit} for text, hit in snippet(q.get("text", ""), filters.patterns)]
    return row


def progress(view: ReviewQueue, filters: Filters, now: datetime | None = None) -> dict[str, Any]:
    """Of every point ever queued that matches ``filters``: how many are decided, how many wait, and how many
    each reviewer decided today (UTC)."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date().isoformat()
    decided = [d for d in view.decided.values() if filters.matches(d)]
    waiting = sum(1 for q in view.queue.values() if filters.matches(q))
    total = waiting + len(decided)
    mine_today = Counter(d["reviewer"] for d in decided if str(d.get("decided_at", ""))[:10] == today)
    verdicts = Counter(d["verdict"] for d in decided)
    return {
        "decided": len(decided),
        "waiting": waiting,
        "total": total,
        "percent": (100 * len(decided)) // total if total else 0,
        "verdicts": {v: verdicts.get(v, 0) for v in ("approve", "reject", "edit")},
        "today": {"date": today, "decided": sum(mine_today.values()), "by_reviewer": dict(sorted(mine_today.items()))},
    }


def queue(
    ledger: AssayLedger, tracking: TrackingStore, filters: Filters, now: datetime | None = None
) -> dict[str, Any]:
    """Waiting points (oldest first) matching ``filters``, the values each filter can take, and the progress."""
    view = catch_up(ledger, tracking, ReviewQueue)
    everything = view.items()
    gates = sorted({g for q in everything for g in q.get("repaired_gates", [])})
    history = dict(HISTORY_HELP) | {f"repaired:{g}": f"passed {g} after a repair" for g in gates}
    return {
        "items": [_shown(q, filters) for q in everything if filters.matches(q)],
        "total": len(everything),
        "filters": filters.as_dict(),
        "terms": terms(filters.q),
        "progress": progress(view, filters, now),
        "options": {
            "run": sorted({q["run_id"] for q in everything}),
            "recipe": sorted({q["recipe"] for q in everything}),
            "band": sorted({q["band"] or "-" for q in everything}),
            "history": history,
        },
    }


def next_undecided(ledger: AssayLedger, tracking: TrackingStore, filters: Filters, after: str = "") -> str | None:
    """The first waiting point matching ``filters`` queued after ``after`` (wrapping round to the oldest; ``after``
    itself never), read from the ledger to be sure it still waits: None when no such point is left.

    The queue view is caught up first, and each pick is checked against the candidate's own facts, so a point
    decided an instant ago (by anyone) is passed over, never shown."""
    view = catch_up(ledger, tracking, ReviewQueue)
    ids = [q["candidate_id"] for q in view.items() if filters.matches(q)]
    here = view.queue.get(after) or view.decided.get(after)
    if here is not None:
        later = [cid for cid in ids if view.queue[cid]["position"] > here["position"]]
        first = set(later)
        ids = later + [cid for cid in ids if cid not in first]
    for cid in ids:
        if cid == after:
            continue
        try:
            if load_candidate(ledger, cid).status == "queued":
                return cid
        except NotFound:  # cannot happen for a queued point; never show what cannot be read
            continue
    return None
