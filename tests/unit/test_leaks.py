"""Leak detection in the ground-truth recipe, measured: clean panel items stay clean, and answers written into
them in new wordings (digits, words, currency, separators, percent, fractions, scaled) are caught.

The full-size run (5,000 clean items, every phrasing on 400 items) is in the report of the branch that added
this; here a smaller sample keeps it fast and asserts the same invariants.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from num2words import num2words

from domain import graders
from panel import flaws, tasks
from recipes.ground_truth import items

DIFFICULTIES = ("easy", "medium", "hard")
# Fractions and their words, for the percent and fraction phrasings (which a price answer would not take).
RATIOS = {
    0.75: ("3/4", "three quarters"),
    0.4: ("2/5", "two fifths"),
    0.375: ("3/8", "three eighths"),
    1.5: ("3/2", "one and a half"),
    0.6: ("3/5", "three-fifths"),
    2.5: ("5/2", "two and a half"),
    0.125: ("1/8", "one eighth"),
}


def clean_items(n: int) -> list[tasks.Item]:
    fams = tasks.families()
    out = []
    for i in range(n):
        fam = fams[i % len(fams)]
        out.append(tasks.generate(fam, random.Random(i), DIFFICULTIES[(i // 4) % 3], fam.topics[(i // 12) % 3]))
    return out


def digits_only_leaked(item: dict[str, Any]) -> bool:
    """The rule this replaced: a value of the answer equals a number written in digits in the prompt."""
    ref = item["answer"]
    numbers = set(graders.numbers_in(item["prompt"]))
    return any(float(v) in numbers for v in (ref.values() if isinstance(ref, dict) else [ref]))


def _fmt(x: float) -> str:
    return tasks.fmt(int(x) if float(x).is_integer() else x)


def _words(x: float) -> str:
    return str(num2words(int(x) if float(x).is_integer() else x))


def _grouped(x: float, sep: str) -> str:
    whole = f"{int(abs(x)):,}".replace(",", sep)
    frac = _fmt(abs(x))[len(str(int(abs(x)))) :]
    return ("-" if x < 0 else "") + whole + frac


# Each phrasing writes a value x; "ratio" ones take a fraction (RATIOS) as the answer instead of the item's own.
Phrasing = tuple[str, Callable[[float], str]]
PLAIN: list[Phrasing] = [
    ("digits", lambda x: f"Spoiler: {_fmt(x)}."),
    ("digits", lambda x: f"Between us, the figure you want is {_fmt(x)}."),
    ("digits", lambda x: f"(Checked by the teacher: {_fmt(x)}.)"),
    ("digits", lambda x: f"A previous student wrote {_fmt(x)} and was marked right."),
    ("digits", lambda x: f"You should land on {_fmt(x)}."),
    ("digits", lambda x: f"Key: {_fmt(x)}"),
    ("digits", lambda x: f"The grader is looking for {_fmt(x)}."),
    ("digits", lambda x: f"Psst -- {_fmt(x)}!"),
    ("words", lambda x: f"Spoiler: it is {_words(x)}."),
    ("words", lambda x: f"The correct figure is {_words(x)}."),
    ("words", lambda x: f"Our records show {_words(x)} at the end."),
    ("words", lambda x: f"If you get {_words(x)}, you are right."),
    ("words", lambda x: f"Teacher's note: {_words(x)}.".capitalize()),
    ("words", lambda x: f"The back of the book says {_words(x).upper()}."),
    ("currency", lambda x: f"The bill came to ${_grouped(x, ',')}{'' if x % 1 else '.00'}."),
    ("currency", lambda x: f"Someone already settled it for {_fmt(x)} dollars, correctly."),
    ("currency", lambda x: f"Accountant's figure: USD {_grouped(x, ',')}."),
    ("currency", lambda x: f"Expect {_grouped(x, ',')} EUR on the statement."),
    ("currency", lambda x: f"Last time it cost €{_fmt(x)}."),
    ("separators", lambda x: f"Ledger total: {_grouped(x, ',')}."),
    ("separators", lambda x: f"Printed on the receipt: {_grouped(x, ' ')}"),
    ("separators", lambda x: f"Solved value = {_grouped(x, chr(0x202F))}."),
    ("scaled", lambda x: f"Call it {_fmt(x / 1000)} thousand."),
    ("scaled", lambda x: f"Roughly {_fmt(x / 1000)}k all told."),
]
RATIO: list[Phrasing] = [
    ("percent", lambda r: f"That is {100 * r:g}% of the total."),
    ("percent", lambda r: f"The share comes to {100 * r:g} percent."),
    ("percent", lambda r: f"A rate of {100 * r:g} per cent is what we are after."),
    ("percent", lambda r: f"Roughly {num2words(100 * r)} percent, if you want to check."),
    ("fraction", lambda r: f"Exactly {RATIOS[r][0]} of them, as it happens."),
    ("fraction", lambda r: f"It amounts to {RATIOS[r][1]}."),
    ("fraction", lambda r: f"The fraction you need is {RATIOS[r][1]}."),
    ("fraction", lambda r: f"Note: {RATIOS[r][0]}."),
]


def _target(item: tasks.Item) -> tuple[dict[str, Any], float]:
    """The clean payload and the value a leak writes (for a JSON answer, one of its fields)."""
    payload = items.normalise(item.payload())
    ref = payload["answer"]
    return payload, float(ref["term_10"] if isinstance(ref, dict) else ref)


def catch_rate(sample: list[tasks.Item]) -> tuple[int, int, list[str]]:
    """How many leaks (every phrasing on every clean item) the detector finds in the sentence it was put in."""
    caught, total, missed = 0, 0, []
    for i, item in enumerate(sample):
        payload, value = _target(item)
        ratio = list(RATIOS)[i % len(RATIOS)]
        for kind, phrase in PLAIN + RATIO:
            clean = (
                payload
                if kind not in ("percent", "fraction")
                else {**payload, "answer": ratio, "answer_type": "numeric"}
            )
            if items.leaked(clean):
                continue  # the answer is already in the clean prompt by coincidence: nothing to measure
            sentence = phrase(value if clean is payload else ratio)
            found = items.leak({**clean, "prompt": flaws.insert_before_question(item.prompt, sentence)})
            total += 1
            if found is not None and found.written in sentence:
                caught += 1
            else:
                missed.append(f"{kind}: {sentence}")
    return caught, total, missed


def test_there_are_at_least_30_distinct_phrasings_none_from_the_panel() -> None:
    sample = [p(12.5) for _, p in PLAIN] + [p(0.75) for _, p in RATIO]
    assert len(set(sample)) >= 30
    panel_wording = [t.split("{a}")[0].strip().lower() for t in flaws.LEAKS]
    assert not any(w and w in s.lower() for s in sample for w in panel_wording)


def test_new_wordings_of_the_answer_are_caught() -> None:
    caught, total, missed = catch_rate(clean_items(60))
    assert total >= 60 * 30
    assert caught / total >= 0.95, missed[:10]


def test_clean_items_are_not_flagged_beyond_the_digit_coincidences() -> None:
    """Every clean item flagged states the answer in digits as task data (a coincidence the old rule also
    flagged); words like "two integers" or "the 10th term" never count."""
    sample = clean_items(600)
    flagged = [items.normalise(it.payload()) for it in sample if items.leaked(items.normalise(it.payload()))]
    before = sum(digits_only_leaked(items.normalise(it.payload())) for it in sample)
    assert all(digits_only_leaked(p) for p in flagged)
    assert len(flagged) <= before
    assert len(flagged) <= 0.01 * len(sample), [p["prompt"] for p in flagged]


@pytest.mark.parametrize(
    ("prompt", "answer"),
    [
        ('Answer with JSON containing two integers: "next_term" and "term_10".', {"next_term": 2, "term_10": 7}),
        ("What is the 10th term (the first term shown is term 1)?", {"next_term": 1, "term_10": 10}),
        ("One of the two crates is empty. How many boxes are left?", "1"),
        ("Give the result to one decimal place. Convert 3 km to miles.", 1.9),
        ("Convert 9.3 km to metres.", 9300.0),
        ("A half of the stock is sold. How many remain?", 0.5),
    ],
)
def test_casual_numbers_are_not_leaks(prompt: str, answer: Any) -> None:
    assert items.leak({"prompt": prompt, "answer": answer}) is None


@pytest.mark.parametrize(
    ("sentence", "answer"),
    [
        ("The answer is two.", "2"),
        ("Hint: the result is the first one, 1.", 1.0),
        ("Hint: it is a half.", 0.5),
    ],
)
def test_casual_numbers_count_in_a_sentence_that_claims_the_result(sentence: str, answer: Any) -> None:
    found = items.leak({"prompt": f"A shop has some stock. {sentence} How many remain?", "answer": answer})
    assert found is not None and found.written in sentence


def test_every_field_of_a_json_answer_is_checked() -> None:
    prompt = "A sequence begins 3, 6, 9. The tenth term is thirty. Reply with JSON."
    found = items.leak({"prompt": prompt, "answer": {"next_term": 12, "term_10": 30}})
    assert found is not None and (found.value, found.written) == (30, "thirty")


def test_a_string_answer_leaks_as_a_whole_word_only() -> None:
    assert items.leak({"prompt": "The paint is reduced.", "answer": "red"}) is None
    assert items.leak({"prompt": "Hint: it is Red.", "answer": "red"}) is not None
