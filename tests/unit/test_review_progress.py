"""Progress over the review queue's view: decided of total in the filtered set, and per reviewer today (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from app.review import Filters, progress
from projections.review_queue import ReviewQueue


def _point(n: int, run: str, text: str, **decided: Any) -> tuple[str, dict[str, Any]]:
    row = {"candidate_id": f"c{n}", "run_id": run, "recipe": "ground_truth", "band": "discriminating"}
    row.update(position=n, text=text, repaired_gates=[], repairs=0, **decided)
    return f"c{n}", row


def _view() -> ReviewQueue:
    waiting = dict([_point(1, "r1", "What is 6 x 7?\n42"), _point(2, "r2", "A zebra crossing\n7")])
    decided = dict(
        [
            _point(3, "r1", "zebra stripes", verdict="approve", reviewer="ana", decided_at="2026-12-02T00:00:01+00:00"),
            _point(4, "r1", "apples", verdict="reject", reviewer="bob", decided_at="2026-12-02T23:59:59+00:00"),
            _point(5, "r2", "pears", verdict="edit", reviewer="ana", decided_at="2026-12-01T23:59:59+00:00"),
        ]
    )
    return ReviewQueue({"open": {}, "queue": waiting, "decided": decided})


def test_progress_counts_the_filtered_set_and_today_in_utc() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    everything = progress(_view(), Filters(), now)
    assert (everything["decided"], everything["waiting"], everything["total"], everything["percent"]) == (3, 2, 5, 60)
    assert everything["verdicts"] == {"approve": 1, "reject": 1, "edit": 1}
    assert everything["today"] == {"date": "2026-12-02", "decided": 2, "by_reviewer": {"ana": 1, "bob": 1}}

    zebra = progress(_view(), Filters(q="ZEBRA"), now)  # the search filters decided points too
    assert (zebra["decided"], zebra["waiting"], zebra["total"]) == (1, 1, 2)
    run = progress(_view(), Filters(run="r2"), now)
    assert (run["decided"], run["total"], run["today"]["by_reviewer"]) == (1, 2, {})


def test_today_is_the_utc_date_whatever_the_clock_zone() -> None:
    east = timezone(timedelta(hours=9))
    late = progress(_view(), Filters(), datetime(2026, 12, 3, 8, 0, tzinfo=east))  # 2026-12-02 23:00 UTC
    assert late["today"]["date"] == "2026-12-02" and late["today"]["decided"] == 2
    before = progress(_view(), Filters(), datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC))
    assert before["today"] == {"date": "2026-12-01", "decided": 1, "by_reviewer": {"ana": 1}}


def test_nothing_queued_is_zero_percent() -> None:
    empty = progress(ReviewQueue(), Filters(), datetime(2026, 12, 2, tzinfo=UTC))
    assert (empty["decided"], empty["total"], empty["percent"]) == (0, 0, 0)
