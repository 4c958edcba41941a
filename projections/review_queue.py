"""The review queue: candidates that passed every gate and wait for a human verdict."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from domain import facts as f
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
    """Queued candidates without a verdict, oldest first, with their gate history (what was repaired)."""

    name: ClassVar[str] = "review_queue"
    schema: ClassVar[int] = 2

    open: dict[str, dict[str, Any]]  # drafted, not yet settled
    queue: dict[str, dict[str, Any]]
    fields: ClassVar[tuple[str, ...]] = ("open", "queue")

    def apply(self, env: f.Envelope) -> None:
        fact, cid = env.fact, env.originator_id
        if isinstance(fact, f.Drafted):
            if fact.origin is not None and fact.origin.outcome == "queued":
                return  # a replay of a point the gates admitted before: reviewers have (or had) it already
            self.open[cid] = {
                "candidate_id": cid,
                "run_id": fact.run_id,
                "index": fact.index,
                "recipe": fact.recipe,
                "coordinate": dict(fact.coordinate),
                "preview": preview(fact.payload),
                "solve_rate": None,
                "band": "",
                "repairs": 0,
                "repaired_gates": [],  # gates that failed and then passed after a repair
            }
        elif isinstance(fact, f.GateFailed) and cid in self.open:
            gates = self.open[cid]["repaired_gates"]
            if fact.gate not in gates:
                gates.append(fact.gate)
        elif isinstance(fact, f.Repaired) and cid in self.open:
            self.open[cid]["preview"] = preview(fact.payload)
            self.open[cid]["repairs"] += 1
        elif isinstance(fact, f.Probed) and cid in self.open:
            self.open[cid].update(solve_rate=fact.solve_rate, band=fact.band)
        elif isinstance(fact, f.Rejected):
            self.open.pop(cid, None)
        elif isinstance(fact, f.Queued) and cid in self.open:
            item = self.open.pop(cid)
            item.update(
                band=fact.band or item["band"], cost_usd=fact.cost_usd, queued_at=env.timestamp, position=env.position
            )
            self.queue[cid] = item
        elif isinstance(fact, f.VerdictGiven):
            self.queue.pop(cid, None)

    # --- queries -----------------------------------------------------------------------------

    def items(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Waiting candidates in the order they were queued (optionally of one run)."""
        rows = sorted(self.queue.values(), key=lambda q: q["position"])
        return [q for q in rows if run_id is None or q["run_id"] == run_id]

    def __len__(self) -> int:
        return len(self.queue)

    def __contains__(self, candidate_id: object) -> bool:
        return candidate_id in self.queue

    def summary(self) -> dict[str, Any]:
        return {"queued": len(self.queue), "open": len(self.open)}
