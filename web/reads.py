"""What the page and the API show: the filtered review queue and one point's full record (blocking calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from domain.candidate import Candidate
from web.errors import WebError
from web.render import point_markdown

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
    from adapters.views import catch_up
    from projections.review_queue import ReviewQueue

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


def load_candidate(ledger: AssayLedger, point_id: str) -> Candidate:
    """The candidate with this full id; WebError 404 for anything else."""
    try:
        aggregate: Candidate | None = ledger.repository.get(UUID(point_id))
    except (ValueError, AggregateNotFoundError):
        aggregate = None
    if not isinstance(aggregate, Candidate):
        raise WebError(404, f"no point with id {point_id!r}")
    return aggregate


def versions(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every payload the point has had, in order: the draft, each repair, a reviewer's edit. ``facts`` are rows
    as ``candidate_history`` gives them, where each repair or edit already lists its ``changes``."""
    out: list[dict[str, Any]] = []
    for row in facts:
        if row["type"] == "Drafted":
            label = "original draft"
        elif row["type"] == "Repaired":
            label = f"repair {row['attempt']} ({row['gate']})"
        elif row["type"] == "VerdictGiven" and row.get("payload") is not None:
            label = f"edited by {row['reviewer']}"
        else:
            continue
        out.append(
            {
                "version": row["version"],
                "label": label,
                "payload": row["payload"],
                "changed": sorted(c["field"] for c in row.get("changes", [])),
                "by_reviewer": row["type"] == "VerdictGiven",
            }
        )
    return out


def _line(row: dict[str, Any]) -> str:
    """What a fact recorded, in one line (as `assay show` prints it)."""
    from cli.review_cmds import _detail

    try:
        return _detail(row)
    except (KeyError, TypeError, ValueError):  # a fact kind that line does not know: its tag says enough
        return ""


def point(ledger: AssayLedger, point_id: str) -> dict[str, Any]:
    """One point's full record: the audit history (as `assay show --json`) plus views for the page."""
    from cli.lookup import candidate_history

    load_candidate(ledger, point_id)
    h = candidate_history(ledger, point_id)
    facts = h["facts"]
    vs = versions(facts)
    edit = next((v for v in vs if v["by_reviewer"]), None)
    original = vs[vs.index(edit) - 1] if edit is not None and vs.index(edit) > 0 else None
    verdicts = [row for row in facts if row["type"] == "VerdictGiven"]
    probes = [row for row in facts if row["type"] == "Probed"]
    for row in facts:
        row["line"] = _line(row)
    for row in probes:
        row["ks"] = sorted({k for o in row["outcomes"] for k in o["pass_at_k"]}, key=lambda k: int(k))
    h.update(
        markdown=point_markdown(h["recipe"], h["payload"], facts),
        original_markdown=point_markdown(h["recipe"], original["payload"], facts) if original else None,
        versions=vs,
        gates=[row for row in facts if row["type"] in ("GatePassed", "GateFailed", "Rejected")],
        probes=probes,
        verdict=verdicts[-1] if verdicts else None,
        reviewable=h["status"] == "queued",
    )
    return h
