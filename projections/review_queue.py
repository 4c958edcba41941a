"""The review queue: candidates that passed every gate and wait for a human verdict."""

from __future__ import annotations

import json
from typing import Any, ClassVar, cast

from domain import facts as f
from domain.search import payload_text
from projections.base import JsonView

PREVIEW = 80


def preview(payload: dict[str, Any], width: int = PREVIEW) -> str:
    """One line of the payload for a reviewer's list: its prompt when it has one, else its JSON."""
    text = payload.get("prompt")
    if not isinstance(text, str):
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ReviewQueue(JsonView):
    """Queued candidates without a verdict, oldest first, with their gate history (what was repaired) and their
    payload's text (for search); and the decided ones, with who decided when (for progress)."""

    name: ClassVar[str] = "review_queue"
    schema: ClassVar[int] = 4  # 4: an open candidate keeps its latest payload; preview and text made when queued

    open: dict[str, dict[str, Any]]  # drafted, not yet settled
    queue: dict[str, dict[str, Any]]
    decided: dict[str, dict[str, Any]]  # queued, then given a verdict
    fields: ClassVar[tuple[str, ...]] = ("open", "queue", "decided")

    on: ClassVar[dict[type, str | None]] = {
        f.Drafted: "_drafted",
        f.GateFailed: "_gate_failed",
        f.Repaired: "_repaired",
        f.Probed: "_probed",
        f.Rejected: "_rejected",
        f.Queued: "_queued",
        f.VerdictGiven: "_verdict",
    }

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted, env.fact)
        if fact.origin is not None and fact.origin.outcome == "queued":
            return  # a replay of a point the gates admitted before: reviewers have (or had) it already
        self.open[env.originator_id] = {
            "candidate_id": env.originator_id,
            "run_id": fact.run_id,
            "index": fact.index,
            "recipe": fact.recipe,
            "coordinate": dict(fact.coordinate),
            # Preview and search text are made when the point is queued: most drafts never are (a rebuild made
            # them for every draft, a fifth of the view's cost).
            "payload": fact.payload,
            "solve_rate": None,
            "band": "",
            "repairs": 0,
            "repaired_gates": [],  # gates that failed and then passed after a repair
        }

    def _gate_failed(self, env: f.Envelope) -> None:
        item = self.open.get(env.originator_id)
        if item is not None:
            gate = cast(f.GateFailed, env.fact).gate
            if gate not in item["repaired_gates"]:
                item["repaired_gates"].append(gate)

    def _repaired(self, env: f.Envelope) -> None:
        item = self.open.get(env.originator_id)
        if item is not None:
            item["payload"] = cast(f.Repaired, env.fact).payload
            item["repairs"] += 1

    def _probed(self, env: f.Envelope) -> None:
        item = self.open.get(env.originator_id)
        if item is not None:
            fact = cast(f.Probed, env.fact)
            item.update(solve_rate=fact.solve_rate, band=fact.band)

    def _rejected(self, env: f.Envelope) -> None:
        self.open.pop(env.originator_id, None)

    def _queued(self, env: f.Envelope) -> None:
        item = self.open.pop(env.originator_id, None)
        if item is not None:
            fact = cast(f.Queued, env.fact)
            payload = item.pop("payload")
            item.update(preview=preview(payload), text=payload_text(payload))
            item.update(
                band=fact.band or item["band"], cost_usd=fact.cost_usd, queued_at=env.timestamp, position=env.position
            )
            self.queue[env.originator_id] = item

    def _verdict(self, env: f.Envelope) -> None:
        item = self.queue.pop(env.originator_id, None)
        if item is not None:
            fact = cast(f.VerdictGiven, env.fact)
            item.update(verdict=fact.verdict, reviewer=fact.reviewer, decided_at=env.timestamp, bulk_id=fact.bulk_id)
            self.decided[env.originator_id] = item

    # --- queries -----------------------------------------------------------------------------

    def items(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Waiting candidates in the order they were queued (optionally of one run)."""
        rows = sorted(self.queue.values(), key=lambda q: q["position"])
        return [q for q in rows if run_id is None or q["run_id"] == run_id]

    def decided_items(self) -> list[dict[str, Any]]:
        """Queued candidates that took a verdict, in the order they were queued."""
        return sorted(self.decided.values(), key=lambda q: q["position"])

    def __len__(self) -> int:
        return len(self.queue)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self.queue

    def summary(self) -> dict[str, Any]:
        return {"queued": len(self.queue), "open": len(self.open), "decided": len(self.decided)}
