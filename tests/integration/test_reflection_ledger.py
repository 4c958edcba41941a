"""Reviewer-curated checklists over a real ledger (SQLite, and PostgreSQL where reachable): the admin service,
its refusals, the reflection view, and projections caught up in steps equal to rebuilt from zero."""

from __future__ import annotations

import pytest

from adapters.ledger import open_ledger
from adapters.tracking import TrackingStore
from adapters.views import catch_up, rebuild
from app import checklist as admin
from app.checklist import reflection_view
from domain.checklist_book import checklist_uuid
from domain.errors import ChecklistError, UnknownChecklistItem
from projections.checklist import Checklist
from projections.reflection import Reflection
from tests.integration.test_projections import History

GT = "ground_truth"
ORACLE = "oracle: answer '…' does not match oracle '…'"


def test_curated_checklist_and_rates_on_a_real_ledger(store_url: str) -> None:
    h, tracking = History(store_url), TrackingStore(store_url)
    ledger = h.ledger
    snapshots: list[tuple[str, str]] = []

    def step() -> None:
        snapshots.append((catch_up(ledger, tracking, Checklist).dump(), catch_up(ledger, tracking, Reflection).dump()))

    h.start("r1", recipe=GT)
    h.reject(h.draft("r1", 0, "q0", recipe=GT), "oracle", "answer '42' does not match oracle '41'")
    h.reject(h.draft("r1", 1, "q1", recipe=GT), "oracle", "answer '7' does not match oracle '8'")
    step()
    assert admin.add_item(ledger, GT, "State the unit of the answer", "ana") == "R1"
    assert admin.add_item(ledger, GT, "Give a tolerance for decimals", "bo") == "R2"
    step()
    admin.edit_item(ledger, GT, ORACLE, "The reference answer must be exactly right", "bo")
    admin.retire_item(ledger, GT, "R2", "cy", reason="covered by the grader")
    view = catch_up(ledger, tracking, Checklist)
    assert view.items(GT) == ["State the unit of the answer", "The reference answer must be exactly right"]
    h.queue(h.draft("r1", 2, "q2", recipe=GT))
    h.verdict(h.get("r1", 2), "approve")
    step()

    before = ledger.recorder.max_notification_id()
    refusals = [
        (lambda: admin.add_item(ledger, "poetry", "x", "ana"), "unknown recipe 'poetry'"),
        (lambda: admin.add_item(ledger, GT, "state the UNIT of the answer", "ana"), "already has an active item"),
        (lambda: admin.add_item(ledger, GT, "  ", "ana"), "must not be empty"),
        (lambda: admin.edit_item(ledger, GT, "R9", "x", "ana"), "has no item 'R9'"),
        (lambda: admin.edit_item(ledger, GT, "R2", "x", "ana"), "is retired"),
        (lambda: admin.retire_item(ledger, GT, "R2", "ana"), "already retired"),
        (lambda: admin.retire_item(ledger, GT, "novelty: never observed", "ana"), "has no item"),
    ]
    for command, message in refusals:
        with pytest.raises(ChecklistError, match=message):
            command()
    with pytest.raises(UnknownChecklistItem):
        admin.retire_item(ledger, GT, "R9", "ana")
    assert ledger.recorder.max_notification_id() == before

    # Stepwise catch-up equals a rebuild from zero, for both projections.
    incremental = (catch_up(ledger, tracking, Checklist).dump(), catch_up(ledger, tracking, Reflection).dump())
    assert incremental == (rebuild(ledger, tracking, Checklist).dump(), rebuild(ledger, tracking, Reflection).dump())
    versions = [Checklist.load(c).version(GT) for c, _ in snapshots]
    assert versions == [1, 3, 5]

    view = reflection_view(ledger, tracking)
    assert list(view) == [GT] and view[GT]["version"] == 5
    assert [(e["id"], e["source"], e["retired"], e["count"]) for e in view[GT]["checklist"]] == [
        ("R1", "reviewer", False, 0),
        (ORACLE, "observed", False, 2),
        ("R2", "reviewer", True, 0),
    ]
    assert view[GT]["checklist"][1]["edited_by"] == "bo"
    rates = view[GT]["rates"]
    assert [(r["version"], r["drafted"], r["survived"], r["approved"]) for r in rates] == [(0, 3, 1, 1)]
    assert (rates[0]["survival_rate"], rates[0]["approval_rate"]) == (round(1 / 3, 4), 1.0)

    # A second process's ledger sees the book and continues its numbering.
    other = open_ledger(store_url)
    assert admin.add_item(other, GT, "Keep the prompt under 80 words", "dee") == "R3"
    assert ledger.repository.get(checklist_uuid(GT)).version == 5
    tracking.close()


def test_concurrent_adds_both_land(sqlite_url: str) -> None:
    """Two processes adding at once: optimistic concurrency refuses one save, which re-validates and retries."""
    from concurrent.futures import ThreadPoolExecutor

    ledgers = [open_ledger(sqlite_url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda i: admin.add_item(ledgers[i], GT, f"criterion number {i}", "ana"), range(4)))
    assert sorted(ids) == ["R1", "R2", "R3", "R4"]
    book = ledgers[0].repository.get(checklist_uuid(GT))
    assert sorted(e["text"] for e in book.items.values()) == [f"criterion number {i}" for i in range(4)]
