"""Near-duplicate detection: rewordings with the same numbers score high, fresh items of a template low."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import novelty
from domain.novelty import nearest, similarity, tokens


@pytest.fixture(autouse=True)
def cold_profile_cache() -> Iterator[None]:
    """Profiles are cached per process: start each test cold, so it runs the code rather than a cached result."""
    novelty.profile.cache_clear()
    yield
    novelty.profile.cache_clear()


BASE = (
    "A warehouse starts the day with 1,240 boxes. Then it receives 3 crates of 85 boxes each. "
    "Later it ships 412 boxes. How many boxes does it have at the end of the day?"
)
REWORDED = (
    "A warehouse starts the day with 1240 boxes in stock. Next, it receives 3 cartons of 85 boxes each. "
    "Later it sends out 412 boxes. How many boxes are left when it closes?"
)
FRESH = (
    "A warehouse starts the day with 2,905 boxes. Then it receives 7 crates of 31 boxes each. "
    "Later it ships 1,066 boxes. How many boxes does it have at the end of the day?"
)
OTHER = "Convert 12.5 miles to kilometres. Give the result to two decimal places."


def test_tokens_drop_thousands_separators_and_punctuation() -> None:
    assert tokens("Paid $1,240.50, then 3!") == ["paid", "1240.50", "then", "3"]


def test_identical_text_is_a_full_match() -> None:
    assert similarity(BASE, BASE) == 1.0


def test_reworded_item_with_the_same_numbers_is_a_near_duplicate() -> None:
    assert similarity(BASE, REWORDED) > 0.6


def test_same_template_with_new_numbers_is_novel() -> None:
    assert similarity(BASE, FRESH) < 0.6
    assert similarity(BASE, OTHER) < 0.2


def test_texts_without_numbers_use_wording_only() -> None:
    a = "Write a polite email declining a meeting invitation from a colleague."
    b = "Write a polite email declining a meeting invitation from your manager."
    assert 0.5 < similarity(a, b) < 1.0
    assert similarity(a, "Summarise the plot of a famous novel in three sentences.") < 0.2


def test_nearest_returns_index_and_score() -> None:
    index, score = nearest(REWORDED, [OTHER, FRESH, BASE])
    assert index == 2 and score == similarity(REWORDED, BASE)
    assert nearest("anything", []) == (-1, 0.0)
    assert similarity(BASE, REWORDED) == similarity(REWORDED, BASE)
