"""The review queue: candidates that passed every gate and wait for a human verdict."""

from __future__ import annotations

import json
from typing import Any, ClassVar, cast

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
            "preview": preview(fact.payload),
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
            item["preview"] = preview(cast(f.Repaired, env.fact).payload)
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
            item.update(
                band=fact.band or item["band"], cost_usd=fact.cost_usd, queued_at=env.timestamp, position=env.position
            )
            self.queue[env.originator_id] = item

    def _verdict(self, env: f.Envelope) -> None:
        self.queue.pop(env.originator_id, None)

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
