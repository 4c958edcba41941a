"""Replay after a gate change, the pure part: what a replay carries over from a recorded candidate, and how
its outcomes compare with the source's.

A replay re-gates recorded drafts: gates before ``from_gate`` are carried over by reference (their facts are
re-recorded with ``carried_from`` and without receipts), gates from ``from_gate`` on run again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from domain import facts as f

Carried = f.GatePassed | f.ProbeRequested | f.Probed | f.Rejected  # what a replay re-records by reference


@dataclass(frozen=True)
class Carry:
    """A source candidate as it first reached ``from_gate``: its payload then, and the facts a replay re-records."""

    source_id: str
    version: int  # the source's last fact version before it reached from_gate (or its rejection's)
    payload: dict[str, Any]
    facts: list[Carried] = field(default_factory=list)  # carried gate results, then a carried rejection if any
    rejected: bool = False  # the source was rejected before from_gate: the replay carries that rejection


def _ref(source_id: str, version: int) -> str:
    return f"{source_id}:{version}"


def carry(source_id: str, facts: Sequence[tuple[int, f.Fact]], order: list[str], from_gate: str) -> Carry | None:
    """What to carry from the source's ``(version, fact)`` history; None for a failed draft (nothing to re-gate).

    The source "reached" from_gate at its first fact about from_gate or any later gate (or at Queued, when
    the gate is new today). Gates passed by then, after any repairs, are carried; a rejection before is too.
    """
    first = facts[0][1] if facts else None
    if not isinstance(first, f.Drafted):
        return None
    first_version = facts[0][0]
    later = set(order[order.index(from_gate) :]) if from_gate in order else set()
    payload, version = dict(first.payload), first_version
    passed: dict[str, list[Carried]] = {}  # gate -> the facts that record its pass (a probe's Probed, then GatePassed)
    probe: tuple[int, f.Probed] | None = None
    for v, fact in facts[1:]:
        if getattr(fact, "gate", None) in later or isinstance(fact, (f.Queued, f.VerdictGiven)):
            break
        if isinstance(fact, f.Probed):
            probe = (v, fact)
        elif isinstance(fact, f.GatePassed):
            ref = _ref(source_id, v)
            kept: list[Carried] = []
            if probe is not None and probe[1].gate == fact.gate:
                kept += [
                    f.ProbeRequested(gate=fact.gate),
                    msgspec.structs.replace(probe[1], receipts=[], carried_from=_ref(source_id, probe[0])),
                ]
            passed[fact.gate] = [*kept, msgspec.structs.replace(fact, receipts=[], carried_from=ref)]
        elif isinstance(fact, f.Repaired):
            payload = dict(fact.payload)
            for gate in fact.invalidated:
                passed.pop(gate, None)
        elif isinstance(fact, f.Rejected):
            rejection = msgspec.structs.replace(fact, carried_from=_ref(source_id, v))
            return Carry(source_id, v, payload, [*_in_order(passed, order), rejection], rejected=True)
        version = v
    return Carry(source_id, version, payload, _in_order(passed, order))


def _in_order(passed: dict[str, list[Carried]], order: list[str]) -> list[Carried]:
    rank = {g: i for i, g in enumerate(order)}
    return [x for gate in sorted(passed, key=lambda g: rank.get(g, -1)) for x in passed[gate]]


# --- comparing a replay with its source ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One candidate's outcome at the gates (whatever a reviewer did afterwards is in ``status``)."""

    candidate_id: str
    index: int
    admitted: bool  # queued for review by the gates
    gate: str = ""
    reason: str = ""
    status: str = ""  # queued | approved | declined | rejected


def compare(source: dict[int, Outcome], replay: dict[int, Outcome]) -> dict[str, Any]:
    """Newly admitted, newly rejected and unchanged points, matched by pull index."""
    admitted, rejected, same = [], [], Counter[str]()
    changed_reason = 0
    for index in sorted(replay):
        new, old = replay[index], source.get(index)
        if old is None:
            continue
        row = {"index": index, "source_id": old.candidate_id, "replay_id": new.candidate_id}
        if new.admitted and not old.admitted:
            admitted.append({**row, "source_gate": old.gate, "source_reason": old.reason})
        elif old.admitted and not new.admitted:
            rejected.append({**row, "source_status": old.status, "gate": new.gate, "reason": new.reason})
        else:
            same["admitted" if new.admitted else f"rejected at {new.gate}"] += 1
            changed_reason += (new.gate, new.reason) != (old.gate, old.reason)
    return {
        "newly_admitted": admitted,
        "newly_rejected": rejected,
        "unchanged": {
            "count": sum(same.values()),
            "by_gate": dict(same.most_common()),
            "reason_changed": changed_reason,
        },
    }
