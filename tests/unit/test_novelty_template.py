"""Number-masked (template) similarity and the duplicate rules: renamed-number copies are caught, variants counted."""

from __future__ import annotations

import pytest

from domain.novelty import Match, compare, judge, mask, similarity, template_similarity

BASE = (
    "A warehouse starts the day with 1,240 boxes. Then it receives 3 crates of 85 boxes each. "
    "Later it ships 412 boxes. How many boxes does it have at the end of the day?"
)
RENAMED = (
    "A warehouse starts the day with 2,905 boxes. Then it receives 7 crates of 31 boxes each. "
    "Later it ships 1,066 boxes. How many boxes does it have at the end of the day?"
)
TWO_NUMBERS = "A shop sells 12 pens on Monday and 30 pens on Tuesday. How many pens did it sell in total?"
OTHER = "Convert 12.5 miles to kilometres. Give the result to two decimal places."


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Paid $1,240.50 for it", "paid # for it"),
        ("a 12.5% rise", "a # rise"),
        ("3/4 of the cake", "# of the cake"),
        ("it fell to -4 degrees", "it fell to # degrees"),
        ("the 2nd and 23rd day", "the # and # day"),
        ("\u20ac20 or \u00a33.50", "# or #"),
        ("from 1,240 to 1240", "from # to #"),
        ("no numbers here", "no numbers here"),
        ("version 1.2.3", "version #"),
    ],
)
def test_mask_replaces_each_written_number_with_one_placeholder(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_renamed_number_copy_is_the_same_template() -> None:
    assert similarity(BASE, RENAMED) < 0.6  # the raw score alone lets it through (the old gate did)
    assert template_similarity(BASE, RENAMED) == 1.0


def test_different_tasks_have_different_templates() -> None:
    assert template_similarity(BASE, OTHER) < 0.2
    assert template_similarity(OTHER, OTHER.replace("miles", "yards")) < 0.9


def _decide(text: str, earlier: list[str], variants: int = 0) -> tuple[str | None, str | None]:
    matches = compare(text, [(f"p{i}", t) for i, t in enumerate(earlier)])
    d = judge(matches, novelty_threshold=0.6, template_threshold=0.9, variants_per_template=variants)
    return d.rule, d.nearest


def test_every_number_renamed_is_a_template_duplicate() -> None:
    assert _decide(RENAMED, [OTHER, BASE]) == ("template", "p1")


def test_one_number_renamed_is_a_duplicate() -> None:
    one = TWO_NUMBERS.replace("30 pens", "31 pens")
    assert _decide(one, [TWO_NUMBERS]) == ("template", "p0")
    # allowing variants does not let it through: it kept most of its numbers, a copy rather than a variant
    assert _decide(one, [TWO_NUMBERS], variants=3)[0] == "template"


def test_variants_per_template_counts_earlier_items_sharing_the_template() -> None:
    siblings = [BASE, RENAMED]
    third = BASE.replace("1,240", "5,555").replace("3 crates", "9 crates").replace("85", "17").replace("412", "600")
    assert _decide(third, siblings, variants=0)[0] == "template"
    assert _decide(third, siblings, variants=1)[0] == "template"  # two earlier share it: one too many
    assert _decide(third, siblings, variants=2) == (None, "p0")  # two variants allowed: the third instance passes
    assert _decide(third, [OTHER], variants=0)[0] is None


def test_raw_rule_still_catches_rewordings_that_keep_the_numbers() -> None:
    reworded = (
        "A warehouse starts the day with 1240 boxes in stock. Next, it receives 3 cartons of 85 boxes each. "
        "Later it sends out 412 boxes. How many boxes are left when it closes?"
    )
    assert template_similarity(BASE, reworded) < 0.9
    assert _decide(reworded, [BASE], variants=5) == ("raw", "p0")


def test_threshold_edges() -> None:
    at = [Match("a", raw=0.6, template=0.9)]
    assert judge(at, novelty_threshold=0.6, template_threshold=0.9).rule == "template"  # template: at or above
    assert judge(at, novelty_threshold=0.6, template_threshold=0.91).rule is None  # raw: strictly above
    assert judge(at, novelty_threshold=0.59, template_threshold=0.91).rule == "raw"
    assert judge(at, novelty_threshold=0.6, template_threshold=0.9, variants_per_template=1).rule is None
    copy = [Match("a", raw=0.5, template=0.95, copy=True)]
    assert judge(copy, novelty_threshold=0.6, template_threshold=0.9, variants_per_template=9).rule == "template"
    empty = judge([], novelty_threshold=0.6, template_threshold=0.9)
    assert (empty.rule, empty.nearest, empty.raw, empty.template) == (None, None, 0.0, 0.0)


def test_ties_go_to_the_earliest_item() -> None:
    same = [Match("first", 0.7, 0.95), Match("second", 0.7, 0.95)]
    assert judge(same, novelty_threshold=0.6, template_threshold=0.9).nearest == "first"
    tmpl = [Match("first", 0.3, 0.95), Match("second", 0.3, 0.95)]
    decision = judge(tmpl, novelty_threshold=0.6, template_threshold=0.9)
    assert (decision.nearest, decision.same_template) == ("first", 2)


SPELLED = (
    "A warehouse starts the day with one thousand two hundred and forty boxes. Then it receives three crates of "
    "eighty-five boxes each. Later it ships four hundred and twelve boxes. How many boxes does it have at the end "
    "of the day?"
)


def test_a_copy_with_its_numbers_spelled_out_is_a_copy() -> None:
    # Every quantity of 10 and more reads as its digits; only "three crates" stays a word.
    assert similarity(BASE, SPELLED) > 0.8
    assert similarity(BASE.replace("3 crates", "three crates"), SPELLED) == 1.0
    assert template_similarity(RENAMED.replace("7 crates", "three crates"), SPELLED) == 1.0
    assert judge(compare(SPELLED, [("p1", BASE)]), novelty_threshold=0.6, template_threshold=0.9).rule == "raw"


def test_small_number_words_stay_words() -> None:
    # "two decimal places" is wording: read as 2 it would give unrelated tasks a shared number.
    a = "Convert 150.98 litres to US gallons, rounded to two decimal places."
    b = "Convert 15.1 litres to US gallons, rounded to two decimal places."
    assert similarity(a, b) < similarity(a.replace("two", "2"), b.replace("two", "2"))
    words = "A shop sells twelve pens on Monday and thirty pens on Tuesday. How many pens did it sell in total?"
    assert similarity(TWO_NUMBERS, words) == 1.0


def test_the_semantic_stage_needs_nearly_the_same_numbers() -> None:
    from domain.novelty import profile, same_numbers

    a = "Look at this sequence: 10, 20, 40, 80, 160. Give the 10th term."
    assert same_numbers(profile(a), profile("Consider the sequence 10, 20, 40, 80, 160; what is term 10?"))
    # Half the numbers shared (the 10th term, two terms) is another task of the family, not a paraphrase.
    assert not same_numbers(profile(a), profile("Consider the sequence 20, 40, 60, 90, 130; what is term 10?"))
    assert same_numbers(profile("No numbers at all."), profile("None here either."))
