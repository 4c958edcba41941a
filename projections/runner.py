"""Run projections over the ledger: load the tracked view, apply what is new, save view and position together.

SQLite has no subscribe() in eventsourcing 9.5, so following the ledger means polling
``select_notifications`` from the tracked position (``adapters.ledger.iter_envelopes``); the same
projection classes would work under a subscription on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar, Protocol, Self, TypeVar

from adapters.ledger import AssayLedger, iter_envelopes
from adapters.tracking import TrackingStore
from domain.facts import Envelope, Receipt

SAVE_EVERY = 10_000  # envelopes between intermediate saves, so a long catch-up keeps its progress


class Projection(Protocol):
    """A read model built only from ledger facts, serialized as canonical JSON.

    ``schema`` is part of the tracking key: changing a view's shape means bumping it, so an old
    stored view is never misread (the new one is built from zero)."""

    name: ClassVar[str]
    schema: ClassVar[int]

    def apply(self, env: Envelope) -> None: ...

    def dump(self) -> str: ...

    @classmethod
    def load(cls, state: str | None) -> Self: ...

    def summary(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=Projection)


def dumps(state: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, so equal views are equal strings."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tracking_name(cls: type[Projection]) -> str:
    return f"projection:{cls.name}:v{cls.schema}"


def receipt_sums(receipts: Iterable[Receipt], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Add receipts to running totals: calls, prompt/completion tokens, cost (rounded: float sums drift)."""
    out = into if into is not None else {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    for r in receipts:
        out["calls"] += 1
        out["prompt_tokens"] += r.prompt_tokens
        out["completion_tokens"] += r.completion_tokens
        out["cost_usd"] = round(out["cost_usd"] + r.cost_usd, 10)
    return out


def _advance(ledger: AssayLedger, tracking: TrackingStore, proj: P, position: int, save: bool) -> P:
    """Apply every envelope after ``position``; store view and position when anything was applied (or ``save``)."""
    name = tracking_name(type(proj))
    pending = 0
    for env in iter_envelopes(ledger, after=position):
        proj.apply(env)
        position = env.position
        pending += 1
        if pending >= SAVE_EVERY:
            tracking.save(name, position, proj.dump())
            pending = 0
    if pending or save:
        tracking.save(name, position, proj.dump())
    return proj


def catch_up(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """The projection ``cls`` brought up to the ledger's current end, resuming at its tracked position."""
    position, state = tracking.load(tracking_name(cls))
    # A tracked position beyond the ledger's end means the ledger was replaced: start again from zero.
    if position > (ledger.recorder.max_notification_id() or 0):
        return rebuild(ledger, tracking, cls)
    return _advance(ledger, tracking, cls.load(state), position, save=False)


def rebuild(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """Build ``cls`` from position zero and store it, replacing whatever was tracked."""
    # reset first: save() never moves a position backwards. A crash in between leaves nothing
    # tracked, and the next catch_up simply rebuilds.
    tracking.reset(tracking_name(cls))
    return _advance(ledger, tracking, cls.load(None), 0, save=True)


def rebuild_all(
    ledger: AssayLedger, tracking: TrackingStore, classes: Iterable[type[Projection]] | None = None
) -> dict[str, Projection]:
    """Rebuild every projection (default: ``all_projections()``) from zero; returns them by name."""
    classes = all_projections() if classes is None else classes
    return {cls.name: rebuild(ledger, tracking, cls) for cls in classes}


def all_projections() -> tuple[type[Projection], ...]:
    """Every projection class, in a fixed order."""
    # Imported here: the projection modules import this one.
    from projections.checklist import Checklist
    from projections.corpus import Corpus
    from projections.dataset import Dataset
    from projections.evaluations import Evaluations
    from projections.reflection import Reflection
    from projections.review_queue import ReviewQueue
    from projections.run_stats import RunStats

    return (Dataset, ReviewQueue, Checklist, RunStats, Corpus, Evaluations, Reflection)


def position_of(tracking: TrackingStore, cls: type[Projection]) -> int:
    return tracking.position(tracking_name(cls))
