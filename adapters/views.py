"""Keeping a projection current: the one way a view follows the ledger.

A ``View`` applies what the ledger recorded after its position, then remembers the new position. Given a
tracking store it starts from the stored view and stores view and position together after each catch-up
(``catch_up``, ``rebuild``); without one it lives in memory for the life of the process (the services'
views, the checklist behind reviewers' commands).

SQLite has no subscribe() in eventsourcing 9.5, so following the ledger means polling
``select_notifications`` from the position (``adapters.ledger.iter_envelopes``).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Iterable
from typing import Generic, TypeVar

from adapters.ledger import AssayLedger, iter_envelopes
from adapters.tracking import TrackingStore
from projections.base import Projection, tracking_name

SAVE_EVERY = 10_000  # envelopes between intermediate saves, so a long catch-up keeps its progress

P = TypeVar("P", bound=Projection)


class View(Generic[P]):
    """One projection and the ledger position it has seen; ``current()`` brings it up to the ledger's end."""

    def __init__(self, ledger: AssayLedger, cls: type[P], tracking: TrackingStore | None = None) -> None:
        self.ledger = ledger
        self.tracking = tracking
        self.key = tracking_name(cls)
        self.cls = cls
        self._lock = threading.Lock()
        if tracking is None:
            self.position, self.projection = 0, cls.load(None)
        else:
            position, state = tracking.load(self.key)
            # A tracked position beyond the ledger's end means the ledger was replaced: start again from zero.
            if position > (ledger.recorder.max_notification_id() or 0):
                tracking.reset(self.key)
                position, state = 0, None
            self.position, self.projection = position, cls.load(state)

    def current(self, save: bool = False) -> P:
        """The projection with everything the ledger holds now applied (blocking; thread-safe)."""
        with self._lock:
            pending = 0
            for env in iter_envelopes(self.ledger, after=self.position):
                self.projection.apply(env)
                self.position = env.position
                pending += 1
                if pending >= SAVE_EVERY:
                    self._save()
                    pending = 0
            if pending or save:
                self._save()
            return self.projection

    async def follow(self) -> P:
        """``current()`` from async code, off the event loop."""
        return await asyncio.to_thread(self.current)

    def _save(self) -> None:
        if self.tracking is not None:
            self.tracking.save(self.key, self.position, self.projection.dump())


def catch_up(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """The projection ``cls`` brought up to the ledger's current end, resuming at its tracked position."""
    return View(ledger, cls, tracking).current()


def rebuild(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """Build ``cls`` from position zero and store it, replacing whatever was tracked."""
    # reset first: save() never moves a position backwards. A crash in between leaves nothing
    # tracked, and the next catch_up simply rebuilds.
    tracking.reset(tracking_name(cls))
    return View(ledger, cls, tracking).current(save=True)


def rebuild_all(
    ledger: AssayLedger, tracking: TrackingStore, classes: Iterable[type[Projection]] | None = None
) -> dict[str, Projection]:
    """Rebuild every projection (default: ``all_projections()``) from zero; returns them by name."""
    from projections.catalog import all_projections  # here: every projection module, only when rebuilding all

    classes = all_projections() if classes is None else classes
    return {cls.name: rebuild(ledger, tracking, cls) for cls in classes}


def position_of(tracking: TrackingStore, cls: type[Projection]) -> int:
    """The ledger position ``cls``'s stored view has reached."""
    return tracking.position(tracking_name(cls))


_kept: weakref.WeakKeyDictionary[AssayLedger, dict[type, View]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def kept(ledger: AssayLedger, cls: type[P]) -> P:
    """``cls`` held in memory per ledger for this process and brought up to the ledger's end."""
    with _kept_lock:
        view = _kept.setdefault(ledger, {}).get(cls)
        if view is None:
            view = _kept[ledger][cls] = View(ledger, cls)
    return view.current()
