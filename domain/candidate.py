"""The Candidate aggregate: one lever pull's point, from draft through gates to a verdict."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import facts as f
from domain.chain import Chained
from domain.errors import CandidateClosed, NotReviewable

TERMINAL = frozenset({"rejected", "approved", "declined"})


class Candidate(Chained):
    """State machine: drafting -> (probing) -> queued | rejected -> approved | declined."""

    class Started(Chained.Started):
        fact: f.Drafted | f.DraftFailed

    class Recorded(Chained.Recorded):
        fact: f.AnyFact

    def __init__(self, fact: f.Drafted | f.DraftFailed) -> None:
        self.run_id = fact.run_id
        self.index = fact.index
        self.recipe = fact.recipe
        self.coordinate = dict(fact.coordinate)
        self.checklist_version = fact.checklist_version
        self.facts: list[f.Fact] = [fact]
        self.receipts: list[f.Receipt] = list(fact.receipts)
        self.passed: list[str] = []
        self.repairs = 0
        self.probe: f.Probed | None = None
        self.verdicts: list[f.VerdictGiven] = []
        self.rejection: f.Rejected | None = None
        if isinstance(fact, f.Drafted):
            self.payload: dict[str, Any] = dict(fact.payload)
            self.status = "drafting"
        else:
            self.payload = {}
            self.status = "failed_draft"

    @classmethod
    def draft(cls, candidate_id: UUID, fact: f.Drafted | f.DraftFailed) -> Candidate:
        """Record the author's draft (or its failure) as the candidate's first fact."""
        return cls._create(cls.Started, id=candidate_id, fact=fact)

    # --- queries -----------------------------------------------------------------------------

    @property
    def cost_usd(self) -> float:
        return round(sum((r.cost_usd for r in self.receipts), 0.0), 10)  # a float even with no receipts (a replay)

    @property
    def is_settled(self) -> bool:
        """Queued for review or rejected: the gated loop is over."""
        return self.status in ("queued",) or self.status in TERMINAL

    def next_gate(self, order: list[str]) -> str | None:
        """The first gate in ``order`` that has not passed on the current payload."""
        for gate in order:
            if gate not in self.passed:
                return gate
        return None

    # --- commands ----------------------------------------------------------------------------

    def pass_gate(self, gate: str, detail: dict[str, Any], receipts: list[f.Receipt], gate_version: str = "") -> None:
        self._record(f.GatePassed(gate=gate, detail=detail, receipts=receipts, gate_version=gate_version))

    def fail_gate(
        self,
        gate: str,
        reason: str,
        repair: str,
        detail: dict[str, Any],
        receipts: list[f.Receipt],
        gate_version: str = "",
    ) -> None:
        self._record(
            f.GateFailed(
                gate=gate, reason=reason, repair=repair, detail=detail, receipts=receipts, gate_version=gate_version
            )
        )

    def carry(self, fact: f.GatePassed | f.ProbeRequested | f.Probed | f.Rejected) -> None:
        """Re-record a source candidate's result by reference (``carried_from``): a replay, see domain.replay."""
        self._record(fact)

    def repair(self, fact: f.Repaired) -> None:
        self._record(fact)

    def request_probe(self, gate: str) -> None:
        self._record(f.ProbeRequested(gate=gate))

    def record_probe(self, fact: f.Probed) -> None:
        if self.status != "probing":
            raise CandidateClosed(f"candidate {self.id} is {self.status}, not waiting for a probe")
        self._record(fact)

    def reject(self, gate: str, reason: str, cause: str = "") -> None:
        self._record(f.Rejected(gate=gate, reason=reason, cause=cause))

    def enqueue(self) -> None:
        band = self.probe.band if self.probe else ""
        self._record(f.Queued(band=band, cost_usd=self.cost_usd))

    def give_verdict(self, fact: f.VerdictGiven) -> None:
        if self.status != "queued":
            raise NotReviewable(f"candidate {self.id} is {self.status}; only queued candidates take a verdict")
        self.trigger_event(self.Recorded, fact=fact)

    def _record(self, fact: f.Fact) -> None:
        if self.is_settled or (self.status == "failed_draft" and not isinstance(fact, f.Rejected)):
            raise CandidateClosed(f"candidate {self.id} is {self.status}; {f.tag_of(fact)} refused")
        self.trigger_event(self.Recorded, fact=fact)

    # --- state transitions -------------------------------------------------------------------

    def _when(self, fact: f.Fact) -> None:
        self.facts.append(fact)
        self.receipts.extend(getattr(fact, "receipts", ()))
        if isinstance(fact, f.GatePassed):
            if fact.gate not in self.passed:
                self.passed.append(fact.gate)
        elif isinstance(fact, f.Repaired):
            self.payload = dict(fact.payload)
            self.repairs += 1
            self.passed = [g for g in self.passed if g not in fact.invalidated]
        elif isinstance(fact, f.ProbeRequested):
            self.status = "probing"
        elif isinstance(fact, f.Probed):
            self.probe = fact
            self.status = "drafting"
        elif isinstance(fact, f.Rejected):
            self.rejection = fact
            self.status = "rejected"
        elif isinstance(fact, f.Queued):
            self.status = "queued"
        elif isinstance(fact, f.VerdictGiven):
            self.verdicts.append(fact)
            if fact.verdict == "reject":
                self.status = "declined"
            else:
                self.status = "approved"
                if fact.payload is not None:
                    self.payload = dict(fact.payload)
