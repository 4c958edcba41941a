"""Program graders: exact, numeric with tolerance, JSON with schema; and how answers are read from text."""

from __future__ import annotations

import pytest

from domain import graders as g


def test_final_answer_prefers_the_last_answer_line() -> None:
    text = "Working: 3 + 4 = 7\nANSWER: 8\nmore chatter\nanswer: 9"
    assert g.final_answer(text) == "9"
    assert g.final_answer("no marker here\n\nThe total is 12.") == "The total is 12."
    assert g.final_answer("") == ""


def test_numbers_are_read_as_people_write_them() -> None:
    assert g.numbers_in("Paid $1,240.50 after 15% off, then -4.5 and .5") == [1240.5, 15.0, -4.5, 0.5]
    assert g.numbers_in('{"term_10": 39}') == [39.0]  # digits inside identifiers are not numbers
    assert g.parse_number("about 42.0 units") == 42.0
    assert g.parse_number("none") is None


@pytest.mark.parametrize("said", ["1083", " 1,083 ", "ANSWER: 1083.", "work\nANSWER: **1083**"])
def test_exact_accepts_the_same_answer_written_differently(said: str) -> None:
    assert g.grade_exact(said, "1083").ok


def test_exact_is_case_and_whitespace_insensitive_but_not_lenient() -> None:
    assert g.grade_exact("ANSWER:  New   York ", "new york").ok
    verdict = g.grade_exact("ANSWER: 1084", "1083")
    assert not verdict.ok and verdict.parsed == "1084" and verdict.why
    assert not g.grade_exact("ANSWER: New York City", "New York").ok


@pytest.mark.parametrize("said", ["42", "42.0", "$42", "42%", "ANSWER: $42.004", "it is 41.995"])
def test_numeric_accepts_within_absolute_tolerance(said: str) -> None:
    assert g.grade_numeric(said, 42.0, tolerance=0.005).ok


@pytest.mark.parametrize("said", ["43", "4.2", "-42", "42.02", "ANSWER: none"])
def test_numeric_rejects_outside_tolerance_or_without_a_number(said: str) -> None:
    assert not g.grade_numeric(said, 42.0, tolerance=0.01).ok


def test_numeric_relative_tolerance_scales_with_the_reference() -> None:
    assert g.grade_numeric("1003", 1000.0, rel_tolerance=0.005).ok
    assert not g.grade_numeric("1006", 1000.0, rel_tolerance=0.005).ok
    assert g.grade_numeric("0.001", 0.0, tolerance=0.005, rel_tolerance=0.5).ok  # absolute covers zero
    assert g.grade_numeric("ANSWER: no idea", 1.0).why == "no number in the answer"


SCHEMA = {"next_term": "integer", "term_10": "integer"}
REF = {"next_term": 19, "term_10": 39}


def test_json_accepts_fenced_compact_and_extra_keys() -> None:
    assert g.grade_json('ANSWER: {"next_term":19,"term_10":39}', REF, SCHEMA).ok
    assert g.grade_json('Sure:\n```json\n{"term_10": 39, "next_term": 19.0, "note": "x"}\n```', REF, SCHEMA).ok


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ('{"next_term": 19}', "missing key 'term_10'"),
        ('{"next_term": "19", "term_10": 39}', "key 'next_term' is not integer"),
        ('{"next_term": 19, "term_10": 40}', "wrong value for 'term_10'"),
        ("ANSWER: 19 and 39", "no JSON object in the answer"),
        ('{"next_term": 19, "term_10": ', "no JSON object in the answer"),
    ],
)
def test_json_rejects_with_a_reason(said: str, why: str) -> None:
    verdict = g.grade_json(said, REF, SCHEMA)
    assert not verdict.ok and verdict.why == why


def test_json_schema_like_form_and_booleans_are_not_integers() -> None:
    schema = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer"}}}
    assert g.schema_fields(schema) == {"ok": "boolean"}
    assert g.grade_json('{"ok": true}', {"ok": True}, schema).ok
    assert not g.grade_json('{"next_term": true, "term_10": 39}', {"next_term": 1, "term_10": 39}, SCHEMA).ok


def test_a_loose_schema_lets_wrong_values_through() -> None:
    loose = {"next_term": "integer"}
    assert g.grade_json('{"next_term": 19, "term_10": 999}', REF, loose).ok  # what the counter gate catches


def test_grade_dispatches_on_answer_type() -> None:
    assert g.grade({"answer_type": "exact", "answer": "7"}, "ANSWER: 7").ok
    assert g.grade({"answer_type": "numeric", "answer": 2.5, "tolerance": 0.1}, "2.58").ok
    assert g.grade({"answer_type": "json", "answer": REF, "schema": SCHEMA}, '{"next_term":19,"term_10":39}').ok
    verdict = g.grade({"answer_type": "essay", "answer": "x"}, "x")
    assert not verdict.ok and "unknown answer type" in verdict.why
