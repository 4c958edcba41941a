"""Known answers for near-duplicate scores: shingles, n-grams and Jaccard values worked out by hand.

``similarity`` = mean of word-bigram Jaccard and character-5-gram Jaccard, averaged again with the Jaccard of
the number sets when either text has numbers. The expected values below are those fractions, counted by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain import novelty
from domain.novelty import char_grams, jaccard, nearest, similarity, word_shingles


@pytest.fixture(autouse=True)
def cold_profile_cache() -> Iterator[None]:
    """Every test computes its profiles afresh, whatever ran before it in this process."""
    novelty.profile.cache_clear()
    yield
    novelty.profile.cache_clear()


def test_word_shingles_are_bigrams() -> None:
    assert word_shingles("The cat sat, the cat ran.") == {
        ("the", "cat"),
        ("cat", "sat"),
        ("sat", "the"),
        ("cat", "ran"),
    }
    assert word_shingles("a b c", k=3) == {("a", "b", "c")}
    assert word_shingles("a b") == {("a", "b")}
    assert word_shingles("alone") == {("alone",)}  # fewer words than k: the words themselves
    assert word_shingles("?!") == frozenset()


def test_char_grams_are_five_grams_of_the_normalised_words() -> None:
    assert char_grams("The  cat, SAT!") == {"the c", "he ca", "e cat", " cat ", "cat s", "at sa", "t sat"}
    assert char_grams("abcdef", n=3) == {"abc", "bcd", "cde", "def"}
    assert char_grams("abcde") == {"abcde"}
    assert char_grams("cat") == {"cat"}  # shorter than n: the whole text
    assert char_grams("...") == frozenset()


def test_jaccard_known_values() -> None:
    a, b = frozenset("abc"), frozenset("bcd")
    assert jaccard(a, b) == 0.5  # {b, c} of {a, b, c, d}
    assert jaccard(a, a) == 1.0
    assert jaccard(a, frozenset()) == 0.0
    assert jaccard(frozenset(), a) == 0.0
    assert jaccard(frozenset(), frozenset()) == 0.0  # two empty texts share nothing: never a duplicate


def test_similarity_without_numbers() -> None:
    # bigrams {the cat, cat sat} vs {the cat, cat ran}: 1/3; 5-grams: 4 shared of 10: 0.4
    assert similarity("the cat sat", "the cat ran") == round((1 / 3 + 0.4) / 2, 6) == 0.366667


def test_similarity_with_numbers_on_both_sides() -> None:
    # bigrams share nothing; 5-grams share " appl", "apple", "pples" of 13; numbers {3} vs {4}: 0
    assert similarity("buy 3 apples", "buy 4 apples") == round((0 + 3 / 13) / 2 / 2, 6) == 0.057692
    assert similarity("buy 3 apples", "3 apples to buy") > similarity("buy 3 apples", "buy 4 apples")


def test_similarity_with_numbers_on_one_side() -> None:
    # bigrams share nothing; 5-grams share 3 of 11; numbers {3} vs {}: 0, still averaged in
    assert similarity("buy 3 apples", "buy apples") == round((0 + 3 / 11) / 2 / 2, 6) == 0.068182
    assert similarity("buy apples", "buy 3 apples") == 0.068182


def test_single_digit_numbers_count() -> None:
    # same words, different single-digit numbers: the numbers halve the score
    assert similarity("add 2 and 5 please now", "add 7 and 9 please now") < 0.5
    assert similarity("add 2 and 5 please now", "add 2 and 5 please now") == 1.0


def test_nearest_prefers_the_first_of_equals_and_needs_some_similarity() -> None:
    assert nearest("the cat sat", ["the cat ran", "the cat ran"]) == (0, 0.366667)
    assert nearest("the cat sat", ["xyz", "the cat ran", "qqq"]) == (1, 0.366667)
    assert nearest("the cat sat", ["xyzzy plugh", "quux"]) == (-1, 0.0)
