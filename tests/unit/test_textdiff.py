"""Word-level diffs between payload versions: each side joins back to its text, changed words marked."""

from __future__ import annotations

from domain.textdiff import MAX_TOKENS, Segment, payload_diff, tokens, word_diff


def _side(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments)


def test_tokens_join_back() -> None:
    text = "What is 6×7?  Say it:\n42."
    assert "".join(tokens(text)) == text
    assert tokens("a, b") == ["a", ",", " ", "b"]


def test_word_diff_marks_removed_and_added_words() -> None:
    before = "Alice has 3 apples; the answer is 5. How many now?"
    after = "Alice has 3 apples and buys 2. How many now?"
    left, right = word_diff(before, after)
    assert _side(left) == before and _side(right) == after
    assert {s.op for s in left} <= {"equal", "delete"} and {s.op for s in right} <= {"equal", "insert"}
    assert [s.text for s in left if s.op == "delete"] == ["; the answer is 5"]
    assert [s.text for s in right if s.op == "insert"] == [" and buys 2"]
    assert left[0] == Segment("equal", "Alice has 3 apples")


def test_unchanged_text_is_one_equal_segment() -> None:
    assert word_diff("same text", "same text") == ([Segment("equal", "same text")], [Segment("equal", "same text")])
    assert word_diff("", "") == ([], [])
    assert word_diff("", "new") == ([], [Segment("insert", "new")])


def test_huge_texts_are_shown_whole() -> None:
    big = "w " * (MAX_TOKENS // 2 + 1)
    left, right = word_diff(big, big + "x")
    assert left == [Segment("delete", big)] and right == [Segment("insert", big + "x")]


def test_payload_diff_covers_changed_added_and_removed_fields() -> None:
    before = {"prompt": "What is 2+2? It is 4.", "answer": 4, "solution": "2+2=4", "old": "x"}
    after = {"prompt": "What is 2+2?", "answer": 4, "solution": "2+2=4", "criteria": [{"text": "bare number"}]}
    diffs = payload_diff(before, after)
    assert [(d.field, d.added, d.removed) for d in diffs] == [
        ("prompt", False, False),
        ("criteria", True, False),
        ("old", False, True),
    ]
    prompt = diffs[0]
    assert [s.text for s in prompt.before if s.op == "delete"] == [" It is 4."]
    assert all(s.op == "equal" for s in prompt.after)
    assert _side(diffs[1].after) == '[\n  {\n    "text": "bare number"\n  }\n]' and diffs[1].before == []
    assert payload_diff(before, dict(before)) == []
    numbers = payload_diff({"tolerance": 0.5}, {"tolerance": 0.25})[0]
    assert [s.text for s in numbers.before if s.op == "delete"] and _side(numbers.after) == "0.25"
