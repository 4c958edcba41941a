"""The counter gate's plausible wrong answers (recipes.ground_truth.items.counters) find loose graders of small
answers too, without flagging a tight one."""

from __future__ import annotations

import pytest

from recipes.ground_truth import items


def _numeric(answer: float, tolerance: float = 0.0, rel_tolerance: float = 0.0) -> dict[str, object]:
    return {"answer": answer, "answer_type": "numeric", "tolerance": tolerance, "rel_tolerance": rel_tolerance}


def _loose(item: dict[str, object]) -> bool:
    return any(items.accepts(item, wrong) for wrong in items.counters(item))


@pytest.mark.parametrize("answer", [0.36, 0.675, 2.5, 48.2, 1250.0])
def test_a_12_percent_relative_tolerance_is_loose_whatever_the_size_of_the_answer(answer: float) -> None:
    assert _loose(_numeric(answer, tolerance=0.0005, rel_tolerance=0.12))


@pytest.mark.parametrize("answer", [0.36, 0.675, 2.5, 48.2, 1250.0])
def test_a_tight_relative_tolerance_is_not(answer: float) -> None:
    assert not _loose(_numeric(answer, tolerance=0.0005, rel_tolerance=0.001))


@pytest.mark.parametrize("answer", [0.36, 0.7, 12.35])
def test_an_absolute_rounding_tolerance_of_a_small_answer_is_not_flagged(answer: float) -> None:
    # "to one decimal place" (tolerance 0.05): a 5% slip of 0.7 is within rounding, not a mistake to probe.
    assert not _loose(_numeric(answer, tolerance=0.05))


def test_off_by_one_from_a_whole_number_answer_is_a_mistake_however_large_the_answer() -> None:
    # A count of 580 with a tolerance of 23 accepts 581: loose, though 1 is well under 1% of 580.
    assert _loose(_numeric(580.0, tolerance=23.2))
    assert not _loose(_numeric(580.0, tolerance=0.5))


def test_a_rounding_step_is_not_a_slip() -> None:
    # 1.9, "to one decimal place", tolerance 0.05 and a 0.2% relative allowance for conversion constants.
    assert not _loose(_numeric(1.9, tolerance=0.05, rel_tolerance=0.002))
    assert _loose(_numeric(192.48, tolerance=7.7, rel_tolerance=0.002))  # 4%: a 2% slip gets through
