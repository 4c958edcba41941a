"""Views over a real ledger: a service's view started from a stored checkpoint equals one built from zero; several
views caught up in one scan equal each caught up alone; a big ledger made by re-recording a run verifies."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from adapters.tracking import TrackingStore
from adapters.views import View, catch_up, catch_up_all, rebuild, rebuild_all
from app.audit import verify
from projections.base import tracking_name
from projections.catalog import all_projections
from projections.checklist import Checklist
from projections.corpus import Corpus
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats
from tests.integration.test_projections import History, build_scenario

ROOT = Path(__file__).resolve().parents[2]


def _from_zero(h: History, cls: type) -> str:
    return View(h.ledger, cls).current().dump()


def test_a_view_started_from_a_checkpoint_equals_one_built_from_zero(store_url: str) -> None:
    h, tracking = History(store_url), TrackingStore(store_url)
    first = {cls: View(h.ledger, cls, tracking, checkpoint_every=4) for cls in (Checklist, Corpus)}
    checkpoints: list[int] = []

    def step() -> None:  # a service catching up now and then, storing a checkpoint every 4 events
        for view in first.values():
            view.current()
        checkpoints.append(tracking.position(tracking_name(Corpus)))

    build_scenario(h, step)
    end = h.ledger.recorder.max_notification_id() or 0
    assert 0 < checkpoints[0] < end  # checkpoints were stored as the ledger grew, each behind its end
    assert checkpoints == sorted(checkpoints)  # and never moved backwards

    for cls in (Checklist, Corpus):
        started = View(h.ledger, cls, tracking, checkpoint_every=4)
        started.start()
        assert 0 < started.position <= end  # it starts from the stored checkpoint, not from zero
        assert started.current().dump() == _from_zero(h, cls), cls.name
    # The novelty index a started view builds answers as one built from zero.
    started_corpus = View(h.ledger, Corpus, tracking, checkpoint_every=4).current()
    zero_corpus = View(h.ledger, Corpus).current()
    for text in ("What is 2 + 2?", "question 6, edited", "second run question"):
        assert started_corpus.neighbours(text) == zero_corpus.neighbours(text)
    tracking.close()


def test_a_stale_checkpoint_is_ignored(sqlite_url: str) -> None:
    h, tracking = History(sqlite_url), TrackingStore(sqlite_url)
    build_scenario(h, lambda: None)
    end = h.ledger.recorder.max_notification_id() or 0
    # Another schema's view is stored under another key: never read.
    tracking.save(f"projection:{Corpus.name}:v{Corpus.schema + 1}", end, '{"candidates": {"x": {}}}')
    # A checkpoint beyond the ledger's end: the ledger was replaced.
    tracking.save(tracking_name(Checklist), end + 10, '{"recipes": {"bogus": {}}, "open": {}}')
    for cls in (Corpus, Checklist):
        view = View(h.ledger, cls, tracking, checkpoint_every=1000)
        assert view.current().dump() == _from_zero(h, cls), cls.name
    assert tracking.position(tracking_name(Checklist)) == 0  # the bogus checkpoint was dropped
    tracking.close()


def test_views_caught_up_in_one_scan_equal_each_alone(store_url: str) -> None:
    h, tracking = History(store_url), TrackingStore(store_url)
    steps = iter(range(10))

    def step() -> None:  # views left at different positions: one never tracked, the others behind
        n = next(steps)
        if n == 0:
            catch_up(h.ledger, tracking, ReviewQueue)
        elif n == 1:
            catch_up(h.ledger, tracking, Corpus)

    build_scenario(h, step)
    queue, stats, corpus = catch_up_all(h.ledger, tracking, ReviewQueue, RunStats, Corpus)
    end = h.ledger.recorder.max_notification_id()
    for cls, view in ((ReviewQueue, queue), (RunStats, stats), (Corpus, corpus)):
        assert tracking.position(tracking_name(cls)) == end
        assert view.dump() == rebuild(h.ledger, tracking, cls).dump() == _from_zero(h, cls), cls.name
    tracking.close()


def _ledger_copies() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ledger_copies", ROOT / "bench" / "ledger_copies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ledger_copies", module)
    spec.loader.exec_module(module)
    return module


def test_a_replicated_ledger_verifies_and_rebuilds_as_it_catches_up(tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source' / 'ledger.sqlite'}"
    source = History(source_url)  # held: a ledger closes its connections when collected
    build_scenario(source, lambda: None)
    source_events = source.ledger.recorder.max_notification_id() or 0
    target_url = f"sqlite:///{tmp_path / 'big' / 'ledger.sqlite'}"
    stored = _ledger_copies().replicate(source_url, target_url, 3 * source_events)
    assert stored >= 3 * source_events
    target = History(target_url)
    report = verify(target.ledger, positions_are_dense=True)
    assert report.ok, report.problems
    assert report.events == stored
    tracking = TrackingStore(target_url)
    incremental = {cls.name: _from_zero(target, cls) for cls in all_projections()}
    rebuilt = rebuild_all(target.ledger, tracking)
    assert {name: v.dump() for name, v in rebuilt.items()} == incremental
    # Every copy re-records every pull of the source (both its runs) as pulls of the one run "big".
    source_tracking = TrackingStore(source_url)
    source_stats, source_corpus = catch_up_all(source.ledger, source_tracking, RunStats, Corpus)
    big = rebuilt["run_stats"].run("big")  # type: ignore[attr-defined]
    copies = big["attempts"] // source_stats.totals()["attempts"]
    assert copies >= 3 and big["attempts"] == copies * source_stats.totals()["attempts"]
    assert len(rebuilt["corpus"].candidates) == copies * len(source_corpus.candidates)  # type: ignore[attr-defined]
    assert big["status"] == "completed"
    source_tracking.close()
    tracking.close()


def test_views_stored_together_commit_together(store_url: str) -> None:
    """save_all stores each row as save does (a lower position ignored), all or none: a row that cannot be written
    leaves the rows before it unstored; reset forgets several names at once."""
    tracking = TrackingStore(store_url)
    tracking.save_all([("a", 5, "A5"), ("b", 3, "B3")])
    tracking.save_all([("a", 4, "A4"), ("b", 6, "B6")])  # a's position would move backwards: ignored
    assert (tracking.load("a"), tracking.load("b")) == ((5, "A5"), (6, "B6"))
    unwritable: Any = object()
    with pytest.raises((sqlite3.Error, psycopg.Error)):  # the driver's own error for a value it cannot bind
        tracking.save_all([("a", 9, "A9"), ("c", 1, unwritable)])
    assert (tracking.load("a"), tracking.load("c")) == ((5, "A5"), (0, None))  # neither row was stored
    tracking.save("c", 2, "C2")  # the store still works after the failed transaction
    tracking.reset("a", "c")
    assert [tracking.load(name) for name in ("a", "b", "c")] == [(0, None), (6, "B6"), (0, None)]
    tracking.close()
