"""Full-text search over payloads: the text searched, the terms of a query, matching and snippets."""

from __future__ import annotations

from domain.search import compile_terms, matches, payload_text, snippet, terms


def test_payload_text_holds_every_text_and_number_but_no_keys() -> None:
    payload = {
        "prompt": "How many   apples\nare left?",
        "answer": 42,
        "tolerance": 0.5,
        "exact": True,
        "criteria": [{"text": "Names the unit", "type": "format"}, {"text": "States 42"}],
        "empty": "  ",
    }
    text = payload_text(payload)
    assert text.split("\n") == ["How many apples are left?", "42", "0.5", "Names the unit", "format", "States 42"]
    assert "prompt" not in text and "True" not in text and "criteria" not in text


def test_terms_are_words_and_quoted_phrases() -> None:
    assert terms('leak  "the  answer is" Leak 42') == ["leak", "the answer is", "42"]  # repeats count once
    assert terms("") == [] and terms('""') == []
    assert len(terms(" ".join(f"w{i}" for i in range(30)))) == 10


def test_every_term_must_occur_case_insensitively() -> None:
    text = "What is 6 x 7?\nThe answer\nis 42"
    assert matches(text, compile_terms(terms("ANSWER 42")))
    assert matches(text, compile_terms(terms('"answer is"')))  # a phrase spans a line break
    assert not matches(text, compile_terms(terms("answer 43")))
    assert matches(text, compile_terms([]))
    assert matches("a+b (c)", compile_terms(terms("a+b (c)")))  # regex characters are literal


def test_snippet_marks_every_hit_near_the_first() -> None:
    text = "x" * 300 + " the answer is 42 and 42 again " + "y" * 300
    parts = snippet(text, compile_terms(terms("42 answer")), width=80)
    assert parts[0] == ("…", False) and parts[-1] == ("…", False)
    assert [p for p, hit in parts if hit] == ["answer", "42", "42"]
    assert sum(len(p) for p, _ in parts[1:-1]) == 80
    assert snippet(text, compile_terms(terms("zebra"))) == []
    whole = snippet("short 42", compile_terms(terms("42")))
    assert whole == [("short ", False), ("42", True)]
    merged = snippet("answers", compile_terms(terms("answer swers")))
    assert merged == [("answers", True)]  # overlapping hits are one mark
