"""Ambiguity as a measurement: the generic reading of a prompt, answer clustering by the grader, the split rule."""

from __future__ import annotations

import itertools
import random

import pytest

from domain.ambiguity import capable, clusters, split
from domain.facts import ModelOutcome
from domain.graders import equivalent
from panel import flaws, tasks

LEVELS = ("easy", "medium", "hard")


@pytest.mark.parametrize("fam", tasks.families(), ids=lambda f: f.name)
def test_no_clean_item_has_an_extra_sentence(fam: tasks.Family) -> None:
    """The false-alarm floor: 600 clean items per family (900 with degenerate ones), every wording."""
    for level, seed, degenerate in itertools.product(LEVELS, range(150), (False, True)):
        if degenerate and fam.name == "sequences":
            continue
        item = tasks.generate(fam, random.Random(seed), level, fam.name, degenerate=degenerate)
        reading = tasks.read(item.prompt)
        assert reading.extra == () and reading.item is not None, item.prompt
        assert reading.item.answer == item.answer and reading.item.latent == item.latent


def test_an_unconsumed_sentence_is_extra_and_a_leak_states_the_answer() -> None:
    for s, fam in itertools.product(range(30), tasks.families()):
        item = tasks.generate(fam, random.Random(s), "medium", fam.name)
        vague = flaws.insert_before_question(item.prompt, "Whether the discount was honoured is disputed.")
        reading = tasks.read(vague)
        assert reading.extra == ("Whether the discount was honoured is disputed.",), vague
        assert reading.item is not None and reading.item.answer == item.answer
        assert tasks.unclear(reading) == reading.extra and flaws.has_ambiguity(vague)
        other = tasks.alternative(reading)
        assert other is not None and other != item.answer and other == tasks.alternative(tasks.read(vague))
        told = flaws.insert_before_question(item.prompt, f"Spoiler: {tasks.fmt(item.answer)} is what you get.")
        assert tasks.read(told).extra and not tasks.unclear(tasks.read(told)), told
        assert flaws.strip_leaks(told) == flaws.strip_flaws(told) == " ".join(flaws.sentences(item.prompt))


def test_a_prompt_that_only_parses_without_a_sentence_drops_it() -> None:
    prompt = "Convert 12 miles to kilometres. Nobody checked the 3 stone scale. Give the result to one decimal place."
    reading = tasks.read(prompt)
    assert reading.extra == ("Nobody checked the 3 stone scale.",) and reading.item is not None
    assert reading.item.answer == 19.3
    assert tasks.read("Hello there. Nothing to see.").item is None
    hand = "A bakery starts the day with 48 bread rolls. Then it sells 19 bread rolls. How many are left?"
    assert tasks.read(hand).extra == ()  # a closing question in other words is still the question


def _o(model: str, answers: list[str], right: str = "412") -> ModelOutcome:
    passed = [i for i, a in enumerate(answers) if a == right]
    return ModelOutcome(
        model=model, n=len(answers), c=len(passed), pass_at_k={}, passed_samples=passed, answers=answers
    )


def test_capable_half_and_clusters_follow_the_grader() -> None:
    panel = [_o("a", []), _o("b", []), _o("c", [])]
    assert [o.model for o in capable(panel)] == ["a", "b"] and [o.model for o in capable(panel[:1])] == ["a"]
    item = {"answer_type": "numeric", "answer": 73.1, "tolerance": 0.01}
    same = lambda a, b: equivalent(item, a, b)  # noqa: E731
    found = clusters([_o("a", ["$73.10", "73.1", "73.104", "80", ""], "73.1")], same)
    assert [(c.answer, c.count, c.share) for c in found] == [("$73.10", 3, 0.75), ("80", 1, 0.25)]
    seq = {"answer_type": "json", "schema": {"next_term": "integer", "term_10": "integer"}}
    assert equivalent(seq, '{"next_term": 12, "term_10": 20}', '{"term_10":20,"next_term":12}')
    assert not equivalent(seq, '{"next_term": 12, "term_10": 20}', '{"next_term": 12, "term_10": 22}')
    assert equivalent({"answer_type": "exact"}, "1,083", "1083") and not equivalent({}, "7", "8")


def test_split_rule() -> None:
    weak = _o("weak", ["1"] * 5)
    two = [_o("strong", ["412", "389", "412", "389", "389"]), _o("mid", ["412", "389", "412", "7", "389"]), weak]
    found = split(two)
    assert found.ambiguous and found.reason == "capable solvers split between readings (answers 389 and 412)"
    # A fallible solver's slips on a hard clear item scatter: one right cluster, the rest spread out.
    scatter = [_o("strong", ["412", "412", "412", "410", "412"]), _o("mid", ["412", "398", "389", "389", "415"]), weak]
    assert not split(scatter).ambiguous
    # Coinciding slips of the weaker capable solver only: the strongest model never takes that reading.
    theirs = [_o("strong", ["412"] * 5), _o("mid", ["389", "389", "389", "412", "412"]), weak]
    assert not split(theirs).ambiguous and split(theirs).clusters[1].models == ["mid"]
    # A shared common mistake at a small share (2 of 10) is not a reading either.
    common = [_o("strong", ["412"] * 4 + ["389"]), _o("mid", ["412"] * 3 + ["389", "7"]), weak]
    assert not split(common).ambiguous and split(common, min_share=0.2).ambiguous
    # Two clusters, but too many answers elsewhere: the coverage rule.
    spread = [_o("strong", ["412", "412", "389", "389", "412"]), _o("mid", ["389", "3", "4", "5", "6"]), weak]
    assert not split(spread).ambiguous and split(spread, min_coverage=0.4).ambiguous
    settled = [_o("strong", ["389"] * 4 + ["412"]), _o("mid", ["389"] * 3 + ["412", "9"]), weak]
    assert split(settled).reason == "capable solvers settle on another answer than the oracle (389)"
    assert not split(settled, oracle_share=0.9).ambiguous
    assert not split([]).ambiguous
