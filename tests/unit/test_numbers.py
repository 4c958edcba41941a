"""domain.numbers: every number a text states, in every form, as floats."""

from __future__ import annotations

import pytest

from domain import numbers


def _values(text: str, casual: bool = True) -> set[float]:
    return {m.value for m in numbers.mentions(text) if casual or not m.casual}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The answer is nine thousand three hundred and thirty-five.", 9335),
        ("nine thousand, three hundred and thirty-five", 9335),  # num2words' comma after a scale
        ("a hundred and twelve", 112),
        ("two million four hundred thousand", 2_400_000),
        ("twelve point five", 12.5),
        ("minus forty", -40),
        ("9,335", 9335),
        ("9 335", 9335),
        ("$9,335.00", 9335),
        ("USD 9,335", 9335),
        ("9335 dollars", 9335),
        ("12.5%", 0.125),
        ("12.5 percent", 0.125),
        ("twelve point five per cent", 0.125),
        ("3/4", 0.75),
        ("three quarters", 0.75),
        ("three-quarters", 0.75),
        ("two and a half", 2.5),
        ("9.3 thousand", 9300),
        ("nine point three thousand", 9300),
        ("$4.2m", 4_200_000),
        ("9.3k", 9300),
        ("−3.5", -3.5),
    ],
)
def test_every_form_reads_as_its_value(text: str, value: float) -> None:
    assert any(numbers.same(v, value) for v in _values(text, casual=False)), numbers.mentions(text)


def test_units_are_not_scales() -> None:
    assert _values("9.3 km and 5 m") == {9.3, 5.0}


def test_small_words_ordinals_and_labels_are_casual() -> None:
    found = numbers.mentions("One of the two boxes, the 10th term, the first shown is term 1, a half")
    assert found and all(m.casual for m in found), found
    assert not any(m.casual for m in numbers.mentions("twenty-two boxes and 2 crates"))


def test_identifiers_and_lists_are_not_merged() -> None:
    assert _values('{"term_10": 39} v2') == {39.0}
    assert _values("67,61, 55") == {67.0, 61.0, 55.0}


def test_mentions_carry_the_text_as_written() -> None:
    (mention,) = numbers.mentions("It is nine thousand three hundred and thirty-five.")
    assert mention.text == "nine thousand three hundred and thirty-five"
    assert (mention.form, mention.value) == ("words", 9335.0)
