"""The audit trace's repair diffs: before and after of each changed field, list elements removed and added."""

from __future__ import annotations

from app.trace import annotate_repairs, change_lines


def test_repairs_and_edits_show_what_they_changed() -> None:
    rows = annotate_repairs(
        [
            {"type": "Drafted", "payload": {"prompt": "How many?", "answer": 4, "rows": [{"t": "a"}, {"t": "b"}]}},
            {"type": "GateFailed"},
            {
                "type": "Repaired",
                "diff": ["answer", "rows"],
                "payload": {"prompt": "How many?", "answer": 5, "rows": [{"t": "a"}, {"t": "c"}]},
            },
            {
                "type": "VerdictGiven",
                "payload": {"prompt": "How many apples?", "answer": 5, "rows": [{"t": "a"}, {"t": "c"}]},
            },
        ]
    )
    assert rows[2]["changes"] == [
        {"field": "answer", "before": 4, "after": 5},
        {"field": "rows", "before": [{"t": "a"}, {"t": "b"}], "after": [{"t": "a"}, {"t": "c"}]},
    ]
    assert change_lines(rows[2]) == ["  answer: 4  ->  5", "  rows:", '    - {"t": "b"}', '    + {"t": "c"}']
    assert change_lines(rows[3]) == ["  prompt: How many?  ->  How many apples?"]
    assert "changes" not in rows[1]
