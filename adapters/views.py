"""Keeping projections current: the one way a view follows the ledger.

A ``View`` applies what the ledger recorded after its position, then remembers the new position. Given a
tracking store it starts from the stored view and stores view and position together (``catch_up``,
``rebuild``); without one it lives in memory for the life of the process.

Several views brought up together (``catch_up_all``, ``rebuild_all``) share one scan of the ledger: each envelope
goes to the handlers of the views that use its fact type (``Fold``), so the ledger is read and decoded once.

A service's in-memory view (``View(..., checkpoint_every=N)``) starts from the view stored in the tracking store
(a checkpoint) and applies only what came after; whoever catches up stores a new checkpoint once N events
arrived since the last one (a save never moves a position backwards). The key holds the projection's schema, and
a stored position beyond the ledger's end (a replaced ledger) starts again from zero, so a stale checkpoint is
never used.

SQLite has no subscribe() in eventsourcing 9.5, so following the ledger means polling
``select_notifications`` from the position (``adapters.ledger.iter_envelopes``).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from itertools import islice
from typing import Any, Generic, TypeVar

from adapters.ledger import AssayLedger, iter_envelopes
from adapters.tracking import TrackingStore
from domain.facts import Envelope
from projections.base import Handler, Projection, handler, tracking_name

SAVE_EVERY = 50_000  # envelopes between intermediate saves of a long catch-up, so it keeps its progress
CHECKPOINT_EVERY = 5_000  # envelopes between checkpoints of a service's in-memory view

P = TypeVar("P", bound=Projection)


class Fold:
    """Projections fed from one scan: each envelope goes to the handlers of those that use its fact type."""

    def __init__(self, views: Sequence[Projection] = ()) -> None:
        self.views = list(views)
        self._by_type: dict[type, tuple[Handler, ...]] = {}

    def add(self, view: Projection) -> None:
        self.views.append(view)
        self._by_type.clear()

    def _handlers(self, kind: type) -> tuple[Handler, ...]:
        found = (handler(v, kind) for v in self.views)
        handlers = self._by_type[kind] = tuple(h for h in found if h is not None)
        return handlers

    def apply(self, env: Envelope) -> None:
        kind = type(env.fact)
        handlers = self._by_type.get(kind)
        if handlers is None:
            handlers = self._handlers(kind)
        for h in handlers:
            h(env)

    def apply_all(self, envs: Iterable[Envelope]) -> tuple[int, int]:
        """``apply`` each of ``envs``; returns how many there were and the last one's position (0: none). The
        loop of a long scan, so the dispatch is inlined here."""
        by_type, count, env = self._by_type, 0, None
        for env in envs:
            handlers = by_type.get(type(env.fact))
            if handlers is None:
                handlers = self._handlers(type(env.fact))
            for h in handlers:
                h(env)
            count += 1
        return count, (0 if env is None else env.position)


class View(Generic[P]):
    """One projection and the ledger position it has seen; ``current()`` brings it up to the ledger's end.

    With a tracking store, ``checkpoint_every`` None stores the view after every catch-up that applied something
    (commands: the next one starts where this one ended); a number stores it only once that many events arrived
    since the last save (a service's view, caught up after every few events)."""

    def __init__(
        self,
        ledger: AssayLedger,
        cls: type[P],
        tracking: TrackingStore | None = None,
        checkpoint_every: int | None = None,
    ) -> None:
        self.ledger = ledger
        self.tracking = tracking
        self.key = tracking_name(cls)
        self.cls = cls
        self.checkpoint_every = checkpoint_every
        self.lock = threading.Lock()
        self.unsaved = 0  # events applied since the view was last stored
        self.started = False
        self.position, self.projection = 0, cls.load(None)
        if tracking is not None and checkpoint_every is None:
            self.start()

    def start(self) -> None:
        """Take the stored view and position (a checkpoint), once: a service's view does this on its first
        catch-up, so wiring services touches no store."""
        if self.started:
            return
        self.started = True
        if self.tracking is None:
            return
        position, state = self.tracking.load(self.key)
        # A tracked position beyond the ledger's end means the ledger was replaced: start again from zero.
        if position > (self.ledger.recorder.max_notification_id() or 0):
            self.tracking.reset(self.key)
            position, state = 0, None
        if state is not None or position:
            self.position, self.projection = position, self.cls.load(state)

    def current(self, save: bool = False) -> P:
        """The projection with everything the ledger holds now applied (blocking; thread-safe)."""
        advance(self.ledger, [self], save=save)
        return self.projection

    async def follow(self) -> P:
        """``current()`` from async code, off the event loop."""
        return await asyncio.to_thread(self.current)

    def due(self, save: bool) -> bool:
        """Whether to store the view now, after a catch-up."""
        if self.tracking is None:
            return False
        if save:
            return True
        if self.checkpoint_every is None:
            return self.unsaved > 0
        return self.unsaved >= self.checkpoint_every

    def save(self) -> None:
        _save([self])


def advance(ledger: AssayLedger, views: Sequence[View[Any]], save: bool = False, save_every: int = SAVE_EVERY) -> None:
    """Bring ``views`` up to the ledger's end in one scan from the lowest position among them; a view joins the
    fold once the scan passes its own position. Stores each view as its ``due`` says (all of them when ``save``),
    and every ``save_every`` envelopes during a long scan."""
    with ExitStack() as stack:
        for view in sorted(views, key=id):  # a fixed order: two threads locking overlapping sets never deadlock
            stack.enter_context(view.lock)
            view.start()
        waiting = sorted(views, key=lambda v: v.position)
        if not waiting:
            return
        fold, joined = Fold(), []
        stack.enter_context(_no_gc())
        position = waiting[0].position
        pending = 0
        envs = iter_envelopes(ledger, after=position)
        while True:
            if waiting:  # one at a time while views still join: each joins once the scan passes its position
                env = next(envs, None)
                if env is None:
                    break
                while waiting and waiting[0].position < env.position:
                    joined.append(waiting[0])
                    fold.add(waiting.pop(0).projection)
                fold.apply(env)
                count, position = 1, env.position
            else:
                count, last = fold.apply_all(islice(envs, save_every - pending))
                if not count:
                    break
                position = last
            pending += count
            if pending >= save_every:
                _reached(joined, position, pending)
                pending = 0
                _save(joined)
        _reached(joined, position, pending)
        _save([view for view in views if view.due(save)])


def _save(views: Sequence[View[Any]]) -> None:
    """Store each view with its position; the views of one tracking store in one transaction."""
    stores: dict[int, tuple[TrackingStore, list[View[Any]]]] = {}
    for view in views:
        if view.tracking is not None:
            stores.setdefault(id(view.tracking), (view.tracking, []))[1].append(view)
    for tracking, group in stores.values():
        tracking.save_all([(view.key, view.position, view.projection.dump()) for view in group])
        for view in group:
            view.unsaved = 0


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector off during a scan: a scan allocates millions of short-lived objects (freed by reference
    counting) and the collector's passes over the growing views cost ~15% of a rebuild; nothing here makes cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _reached(joined: list[View[Any]], position: int, pending: int) -> None:
    for view in joined:
        view.unsaved += position - view.position if pending else 0
        view.position = max(view.position, position)


def catch_up(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """The projection ``cls`` brought up to the ledger's current end, resuming at its tracked position."""
    return View(ledger, cls, tracking).current()


def catch_up_all(ledger: AssayLedger, tracking: TrackingStore, *classes: type[Projection]) -> list[Any]:
    """Each of ``classes`` brought up to the ledger's end, in one scan from the lowest tracked position."""
    views = [View(ledger, cls, tracking) for cls in classes]
    advance(ledger, views)
    return [v.projection for v in views]


def rebuild(ledger: AssayLedger, tracking: TrackingStore, cls: type[P]) -> P:
    """Build ``cls`` from position zero and store it, replacing whatever was tracked."""
    return rebuild_all(ledger, tracking, [cls])[cls.name]  # type: ignore[return-value]


def rebuild_all(
    ledger: AssayLedger, tracking: TrackingStore, classes: Iterable[type[Projection]] | None = None
) -> dict[str, Projection]:
    """Rebuild every projection (default: ``all_projections()``) from zero in one scan; returns them by name."""
    from projections.catalog import all_projections  # here: every projection module, only when rebuilding all

    classes = list(all_projections() if classes is None else classes)
    # reset first: save() never moves a position backwards. A crash in between leaves nothing
    # tracked, and the next catch_up simply rebuilds.
    tracking.reset(*(tracking_name(cls) for cls in classes))
    views = [View(ledger, cls, tracking) for cls in classes]
    # No intermediate saves: a rebuild that stops is started again, and each save dumps every view whole.
    advance(ledger, views, save=True, save_every=2**62)
    return {v.cls.name: v.projection for v in views}


def position_of(tracking: TrackingStore, cls: type[Projection]) -> int:
    """The ledger position ``cls``'s stored view has reached."""
    return tracking.position(tracking_name(cls))


_kept: weakref.WeakKeyDictionary[AssayLedger, dict[type, View[Any]]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def kept(ledger: AssayLedger, cls: type[P], tracking: TrackingStore | None = None) -> P:
    """``cls`` held in memory per ledger for this process and brought up to the ledger's end; with ``tracking``
    it starts from the stored checkpoint and stores new ones as the ledger grows."""
    with _kept_lock:
        view = _kept.setdefault(ledger, {}).get(cls)
        if view is None:
            view = _kept[ledger][cls] = View(ledger, cls, tracking, checkpoint_every=CHECKPOINT_EVERY)
    return view.current()
