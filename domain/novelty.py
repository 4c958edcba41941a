"""Near-duplicate detection: raw and number-masked (template) similarity, and the duplicate rules. Pure, no models.

Two lexical views of a text:

- **raw**: word-bigram and character-5-gram Jaccard, averaged with the Jaccard of the number sets when there are
  numbers. The same item reworded keeps its numbers, so numbers weigh as much as the wording here.
- **masked (template)**: every number, in any common written form ("1,240", "$73.10", "12.5%", "3/4", "-4",
  "2nd"), replaced by one placeholder, then word-bigram + character-5-gram Jaccard. A copy with every number
  renamed is the same template: masked similarity 1.0, whatever its raw score.

A candidate is a duplicate when its raw similarity to an earlier item is above ``novelty_threshold`` or its
masked similarity is at least ``template_threshold`` for more than ``variants_per_template`` earlier items
(``judge``). An embedding stage for paraphrases lives in services (adapters.embeddings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from domain.numbers import mentions

_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")

PLACEHOLDER = "#"
# One written number: optional sign and currency, digits with optional thousands separators and decimals (or a
# bare ".5"), an optional fraction part, then an optional percent sign or ordinal suffix.
_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?[$\u20ac\u00a3\u00a5]?\s?"
    r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?:\s?/\s?\d+(?:\.\d+)?)?"
    r"(?:\s?%|st\b|nd\b|rd\b|th\b)?"
)
_MASKED_WORD = re.compile(r"[a-z]+|#")


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers ("1,240" -> "1240"), punctuation dropped."""
    return _WORD.findall(text.lower().replace(",", ""))


def masked_tokens(text: str) -> list[str]:
    """Lower-case words with every number replaced by one placeholder token ``#``."""
    return _MASKED_WORD.findall(_NUMBER.sub(f" {PLACEHOLDER} ", text).lower().replace(",", ""))


def mask(text: str) -> str:
    """The number-masked form of a text: "Paid $1,240.50 for 3/4 of it" -> "paid # for # of it"."""
    return " ".join(masked_tokens(text))


def _shingles(words: list[str], k: int) -> frozenset[tuple[str, ...]]:
    if len(words) < k:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + k]) for i in range(len(words) - k + 1))


def _grams(flat: str, n: int) -> frozenset[str]:
    if len(flat) < n:
        return frozenset([flat]) if flat else frozenset()
    return frozenset(flat[i : i + n] for i in range(len(flat) - n + 1))


def word_shingles(text: str, k: int = 2) -> frozenset[tuple[str, ...]]:
    return _shingles(tokens(text), k)


def char_grams(text: str, n: int = 5) -> frozenset[str]:
    return _grams(" ".join(tokens(text)), n)


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def _numbers(text: str) -> frozenset[str]:
    return frozenset(t for t in tokens(text) if t[0].isdigit())


@dataclass(frozen=True)
class Profile:
    """What the similarities of one text are computed from (cached per text by ``profile``)."""

    words: frozenset[tuple[str, ...]]
    grams: frozenset[str]
    numbers: frozenset[str]
    masked_words: frozenset[tuple[str, ...]]
    masked_grams: frozenset[str]

    def shingles(self) -> list[str]:
        """The masked word bigrams and character 5-grams as one set of strings: what the LSH index hashes."""
        return sorted({"w:" + " ".join(w) for w in self.masked_words} | {"c:" + g for g in self.masked_grams})


SPELLED_FROM = 10  # number words from this value on are read as digits (see spelled_as_digits)


def _digits(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def spelled_as_digits(text: str) -> str:
    """Cardinal numbers of 10 and more written in words rewritten in digits ("three hundred and forty boxes" ->
    "340 boxes"), so a quantity compares the same however it is written: a copy that spells its numbers out is
    still a copy. Small number words stay words: "two decimal places" or "three crates" are as often wording as
    data, and reading them as numbers would make unrelated tasks share numbers."""
    spans = sorted(
        (
            (m.start, m.end, m.value)
            for m in mentions(text)
            if m.form == "words" and not any(c.isdigit() for c in m.text) and abs(m.value) >= SPELLED_FROM
        ),
        key=lambda span: (span[0], -span[1]),
    )
    out, last = [], 0
    for start, end, value in spans:
        if start < last:
            continue  # inside a longer span already rewritten
        out += [text[last:start], _digits(value)]
        last = end
    return "".join([*out, text[last:]])


@lru_cache(maxsize=65536)
def profile(text: str) -> Profile:
    text = spelled_as_digits(text)
    masked = masked_tokens(text)
    return Profile(
        word_shingles(text), char_grams(text), _numbers(text), _shingles(masked, 2), _grams(" ".join(masked), 5)
    )


def raw_score(a: Profile, b: Profile) -> float:
    lexical = (jaccard(a.words, b.words) + jaccard(a.grams, b.grams)) / 2
    if not (a.numbers or b.numbers):
        return round(lexical, 6)
    # Templated tasks share most of their wording; the same numbers reworded is the typical near-duplicate, so
    # numbers weigh as much as the wording. A copy with its numbers renamed scores low here: the masked score
    # below catches it.
    return round((lexical + jaccard(a.numbers, b.numbers)) / 2, 6)


def template_score(a: Profile, b: Profile) -> float:
    return round((jaccard(a.masked_words, b.masked_words) + jaccard(a.masked_grams, b.masked_grams)) / 2, 6)


def similarity(a: str, b: str) -> float:
    """0..1: word-bigram and character 5-gram Jaccard, averaged with number-set Jaccard when there are numbers."""
    return raw_score(profile(a), profile(b))


def template_similarity(a: str, b: str) -> float:
    """0..1: word-bigram and character 5-gram Jaccard of the number-masked texts (1.0 for renamed numbers)."""
    return template_score(profile(a), profile(b))


def shares_numbers(a: Profile, b: Profile) -> bool:
    """At least half of the smaller number set is shared: a template match that keeps most of its numbers is a
    copy with a number or two renamed, never a variant."""
    if not a.numbers or not b.numbers:
        return False
    return len(a.numbers & b.numbers) * 2 >= min(len(a.numbers), len(b.numbers))


SAME_NUMBERS = 0.75  # number-set Jaccard from which two texts state the same task's numbers


def same_numbers(a: Profile, b: Profile) -> bool:
    """Neither text has numbers, or their number sets are nearly the same (Jaccard >= 0.75): the same task as far
    as its numbers tell (the semantic stage's condition). Sharing half is not enough: tasks of one family in
    different wordings share their small numbers ("the first 5 terms", "the 10th term") and the embedding sees
    them as close, so a looser rule rejects clean items as paraphrases."""
    return (not a.numbers and not b.numbers) or jaccard(a.numbers, b.numbers) >= SAME_NUMBERS


def nearest(text: str, corpus_texts: Sequence[str]) -> tuple[int, float]:
    """Index and raw similarity of the most similar corpus text; (-1, 0.0) for an empty corpus."""
    mine = profile(text)
    best, score = -1, 0.0
    for i, other in enumerate(corpus_texts):
        s = raw_score(mine, profile(other))
        if s > score:
            best, score = i, s
    return best, score


@dataclass(frozen=True)
class Match:
    """One earlier item compared exactly with a candidate."""

    key: str
    raw: float
    template: float
    copy: bool = False  # same template and most numbers kept (shares_numbers)


def compare(text: str, others: Iterable[tuple[str, str]]) -> list[Match]:
    """Exact raw and template similarity of ``text`` to each (key, text) of ``others``."""
    mine = profile(text)
    out = []
    for key, other_text in others:
        theirs = profile(other_text)
        out.append(Match(key, raw_score(mine, theirs), template_score(mine, theirs), shares_numbers(mine, theirs)))
    return out


@dataclass(frozen=True)
class Decision:
    """The lexical verdict on a candidate: which rule fired (None: novel) and the scores behind it."""

    rule: str | None  # "raw" | "template" | None
    nearest: str | None  # key of the earlier item the verdict is about (the most similar one when novel)
    raw: float
    template: float
    same_template: int  # earlier items at or above the template threshold

    @property
    def duplicate(self) -> bool:
        return self.rule is not None


def judge(
    matches: Sequence[Match], *, novelty_threshold: float, template_threshold: float, variants_per_template: int = 0
) -> Decision:
    """Apply the rules to exact matches (in draft order, so ties go to the earliest item).

    raw > ``novelty_threshold`` -> "raw". Else masked >= ``template_threshold``: up to ``variants_per_template``
    earlier items may share the template (variants); one more makes the candidate a "template" duplicate, and
    so does any single match that keeps most of the candidate's numbers (a renamed copy is no variant)."""
    if not matches:
        return Decision(None, None, 0.0, 0.0, 0)
    by_raw = max(matches, key=lambda m: m.raw)  # max() keeps the first of equals
    siblings = [m for m in matches if m.template >= template_threshold]
    if by_raw.raw > novelty_threshold:
        return Decision("raw", by_raw.key, by_raw.raw, by_raw.template, len(siblings))
    copies = [m for m in siblings if m.copy]
    if copies or len(siblings) > variants_per_template:
        top = max(copies or siblings, key=lambda m: m.template)
        return Decision("template", top.key, top.raw, top.template, len(siblings))
    top = max(matches, key=lambda m: (m.template, m.raw))
    return Decision(None, top.key, top.raw, top.template, len(siblings))
