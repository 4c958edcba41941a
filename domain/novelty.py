"""Near-duplicate detection: word-shingle and character n-gram Jaccard similarity. Pure, no models.

Lexical similarity catches the common failure of generators (the same item with light rewording) cheaply;
an embedding stage can be layered on top for paraphrases that share few words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ("1,240" -> "1240"), punctuation dropped."""
    return _WORD.findall(text.lower().replace(",", ""))


def word_shingles(text: str, k: int = 2) -> frozenset[tuple[str, ...]]:
    words = tokens(text)
    if len(words) < k:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + k]) for i in range(len(words) - k + 1))


def char_grams(text: str, n: int = 5) -> frozenset[str]:
    flat = " ".join(tokens(text))
    if len(flat) < n:
        return frozenset([flat]) if flat else frozenset()
    return frozenset(flat[i : i + n] for i in range(len(flat) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def _numbers(text: str) -> frozenset[str]:
    return frozenset(t for t in tokens(text) if t[0].isdigit())


@lru_cache(maxsize=8192)
def _profile(text: str) -> tuple[frozenset, frozenset, frozenset]:
    return word_shingles(text), char_grams(text), _numbers(text)


def _score(a: tuple[frozenset, frozenset, frozenset], b: tuple[frozenset, frozenset, frozenset]) -> float:
    lexical = (jaccard(a[0], b[0]) + jaccard(a[1], b[1])) / 2
    if not (a[2] or b[2]):
        return round(lexical, 6)
    # Templated tasks share most of their wording; what sets one apart is its numbers. The same numbers
    # reworded is the typical near-duplicate, so numbers weigh as much as the wording.
    return round((lexical + jaccard(a[2], b[2])) / 2, 6)


def similarity(a: str, b: str) -> float:
    """0..1: word-bigram and character 5-gram Jaccard, averaged with number-set Jaccard when there are numbers."""
    return _score(_profile(a), _profile(b))


def nearest(text: str, corpus_texts: Sequence[str]) -> tuple[int, float]:
    """Index and similarity of the most similar corpus text; (-1, 0.0) for an empty corpus."""
    mine = _profile(text)
    best, score = -1, 0.0
    for i, other in enumerate(corpus_texts):
        s = _score(mine, _profile(other))
        if s > score:
            best, score = i, s
    return best, score
