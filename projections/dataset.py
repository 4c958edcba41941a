"""The dataset: every point a human approved (as drafted or edited), with difficulty and receipts."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import msgspec

from domain import facts as f
from projections.base import JsonView, receipt_sums, receipts_of


def difficulty(probe: f.Probed) -> dict[str, Any]:
    """The probe's measured difficulty, per model outcomes included."""
    return {
        "band": probe.band,
        "solve_rate": probe.solve_rate,
        "passed_models": list(probe.passed_models),
        "in_band": probe.in_band,
        "outcomes": [{"model": o.model, "n": o.n, "c": o.c, "pass_at_k": dict(o.pass_at_k)} for o in probe.outcomes],
    }


class Dataset(JsonView):
    """Approved points by candidate id; ``points()`` lists them in verdict order."""

    name: ClassVar[str] = "dataset"
    schema: ClassVar[int] = 2  # 2: receipts name the models called

    specs: dict[str, str]  # run id -> spec name
    # Candidates that may still be approved: what a point needs, gathered as facts arrive.
    pending: dict[str, dict[str, Any]]
    approved: dict[str, dict[str, Any]]
    fields: ClassVar[tuple[str, ...]] = ("specs", "pending", "approved")

    on: ClassVar[dict[type, str | None]] = {
        f.RunStarted: "_started",
        f.Drafted: "_drafted",
        f.Repaired: "_repaired",
        f.Probed: "_probed",
        f.Rejected: "_rejected",
        f.VerdictGiven: "_verdict",
        f.GatePassed: "_gate",  # gate results (and the facts above) add their calls to the point's receipts
        f.GateFailed: "_gate",
    }

    def _started(self, env: f.Envelope) -> None:
        fact = cast(f.RunStarted, env.fact)
        self.specs[fact.run_id] = fact.spec_name

    def _drafted(self, env: f.Envelope) -> None:
        fact = cast(f.Drafted, env.fact)
        self.pending[env.originator_id] = {
            "run_id": fact.run_id,
            "index": fact.index,
            "recipe": fact.recipe,
            "coordinate": dict(fact.coordinate),
            "checklist_version": fact.checklist_version,
            "payload": msgspec.to_builtins(fact.payload),
            "difficulty": None,
            "receipts": {**receipt_sums(()), "models": []},
        }
        sums = self.pending[env.originator_id]["receipts"]
        receipt_sums(fact.receipts, sums, sums["models"])  # the spend, and the distinct models called (sorted)

    def _receipts(self, env: f.Envelope) -> dict[str, Any] | None:
        """The pending point ``env`` is about, with the fact's receipts added (None: not a point that may still be
        approved: a failed draft, or one already settled for good)."""
        item = self.pending.get(env.originator_id)
        if item is not None:
            receipts = getattr(env.fact, "receipts", ())
            if receipts:
                sums = item["receipts"]
                receipt_sums(receipts, sums, sums["models"])
        return item

    def _gate(self, env: f.Envelope) -> None:
        receipts = receipts_of(env.fact)  # GatePassed, GateFailed
        if receipts and (item := self.pending.get(env.originator_id)) is not None:  # most gates: programs, no calls
            sums = item["receipts"]
            receipt_sums(receipts, sums, sums["models"])

    def _repaired(self, env: f.Envelope) -> None:
        if (item := self._receipts(env)) is not None:
            item["payload"] = msgspec.to_builtins(cast(f.Repaired, env.fact).payload)

    def _probed(self, env: f.Envelope) -> None:
        if (item := self._receipts(env)) is not None:
            item["difficulty"] = difficulty(cast(f.Probed, env.fact))

    def _rejected(self, env: f.Envelope) -> None:
        self.pending.pop(env.originator_id, None)

    def _verdict(self, env: f.Envelope) -> None:
        item = self.pending.pop(env.originator_id, None)
        fact = cast(f.VerdictGiven, env.fact)
        if item is not None and fact.verdict != "reject":
            self._approve(env.originator_id, item, fact, env)

    def _approve(self, cid: str, item: dict[str, Any], fact: f.VerdictGiven, env: f.Envelope) -> None:
        receipts = dict(item["receipts"])
        receipts["tokens"] = receipts["prompt_tokens"] + receipts["completion_tokens"]
        edited = fact.verdict == "edit" and fact.payload is not None
        self.approved[cid] = {
            "candidate_id": cid,
            "run_id": item["run_id"],
            "spec_name": self.specs.get(item["run_id"], ""),
            "index": item["index"],
            "recipe": item["recipe"],
            "coordinate": item["coordinate"],
            "checklist_version": item["checklist_version"],
            "payload": msgspec.to_builtins(fact.payload) if edited else item["payload"],
            "edited": edited,
            "difficulty": item["difficulty"],
            "receipts": receipts,
            "verdict": fact.verdict,
            "reviewer": fact.reviewer,
            "reason": fact.reason,
            "approved_at": env.timestamp,
            "position": env.position,
        }

    # --- queries -----------------------------------------------------------------------------

    def points(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Approved points in the order their verdicts were recorded."""
        rows = sorted(self.approved.values(), key=lambda p: p["position"])
        return [p for p in rows if run_id is None or p["run_id"] == run_id]

    def __len__(self) -> int:
        return len(self.approved)

    def summary(self) -> dict[str, Any]:
        return {
            "points": len(self.approved),
            "edited": sum(p["edited"] for p in self.approved.values()),
            "open": len(self.pending),
        }
