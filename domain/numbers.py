"""Every number a text states, in every form it may be written, as floats. Pure.

Digits ("9335", "9,335", "9 335", "$9,335.00", "USD 9,335", "-4.5"), number words ("nine thousand three hundred
and thirty-five", "twelve point five", "minus forty"), percents ("12.5%" is also 0.125), fractions ("3/4",
"three quarters", "two and a half"), scaled forms ("9.3 thousand", "$4.2m", "9.3k") and ordinals ("21st",
"twenty-first"). Words are read with text2num (``text_to_num.find_numbers``), which parses them inside running
text; everything around them (signs, percents, scales, fractions) is read here.

Each mention says whether it is *casual*: a form that clean text uses all the time for something other than
stating a quantity -- small number words ("one of the boxes", "a half"), ordinals and numbered labels ("the
10th term", "term 1", "step 2") -- so a caller deciding whether a text reveals a value can ask for more evidence
before counting one. A unit after a number is not a scale: "9.3 km" is 9.3 and "5 m" is 5, never thousands or
millions; single-letter scales count only when glued to an amount of money ("$4.2m") or as "k" ("9.3k").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from text_to_num import find_numbers

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_GLUED_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9}
DENOMINATORS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "quarter": 4,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "hundredth": 100,
}
_NUMERATORS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_NUMERATORS |= {"nine": 9, "ten": 10}
SMALL_WORD_MAX = 2  # "zero", "one", "two" as a single word: a pronoun, an article, "a couple" as often as a count
_LABELS = r"(?:term|step|item|question|part|page|line|row|stage|level|round|day|week|no\.|number|#)"
_CURRENCY = r"(?:[$€£¥]|(?:US\$|USD|EUR|GBP|CAD|AUD)\s?)"
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_DIGITS = re.compile(
    rf"(?<![\w.])(?P<sign>[-−])?(?P<cur>{_CURRENCY})?(?P<sign2>[-−])?(?P<num>{_AMOUNT})(?![\d])"
    rf"(?:(?P<ord>st|nd|rd|th)\b)?",
    re.IGNORECASE,
)
# "9 335": groups of three after a space (also the thin and no-break spaces typesetters use).
_SPACED = re.compile(r"(?<![\w.,])(?P<sign>[-−])?(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:\.\d+)?)(?![\d])")
_PERCENT = re.compile(r"\s?(?:%|per\s?cent\b|percent(?:age points?)?\b)", re.IGNORECASE)
_SCALE = re.compile(r"\s?(?P<w>thousand|million|billion|trillion)\b|(?P<g>k|mn|bn|m|b)\b", re.IGNORECASE)
_SLASH = re.compile(r"\s?/\s?(?P<den>\d+)(?!\d|\.\d)")
_HALF = re.compile(r"\s+and\s+(?:a|one)\s+(?P<den>half|third|quarter)\b", re.IGNORECASE)
_WORD_FRACTION = re.compile(
    rf"\b(?P<num>{'|'.join(_NUMERATORS)}|\d+)[\s-]+(?P<den>{'|'.join(DENOMINATORS)})s?\b",
    re.IGNORECASE,
)
_LABEL_BEFORE = re.compile(rf"\b{_LABELS}\s*$", re.IGNORECASE)
_SIGN_WORD = re.compile(r"\b(?:minus|negative)\s+$", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*|\d+(?:[.,]\d+)*|[^\sA-Za-z\d]")


@dataclass(frozen=True)
class Mention:
    """One number as the text states it: its value, the words it is written in, where, and in what form."""

    value: float
    text: str
    start: int
    end: int
    form: str  # digits, words, ordinal, label, percent, fraction, scaled
    casual: bool = False  # a small number word, an ordinal or a numbered label: often not a quantity at all


def mentions(text: str) -> list[Mention]:
    """Every number ``text`` states, in every reading, ordered by position (a span may give several values)."""
    found = _digit_mentions(text) + _word_mentions(text) + _word_fractions(text)
    return sorted(found, key=lambda m: (m.start, -m.end, m.form))


def values(text: str) -> set[float]:
    """The values of every number ``text`` states, casual ones included."""
    return {m.value for m in mentions(text)}


def same(a: float, b: float) -> bool:
    """Equal as stated numbers: float noise aside, "9.30" is 9.3 and "0.125" is 12.5%'s fraction."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _span(text: str, start: int, end: int, value: float, form: str, casual: bool = False) -> Mention:
    return Mention(value, text[start:end].strip(), start, end, form, casual)


def _number(raw: str) -> float:
    return float(re.sub(r"[,\s\u00a0\u202f]", "", raw))


def _suffixes(text: str, start: int, end: int, value: float, money: bool) -> list[Mention]:
    """The readings a number gets from what follows it: percent, scale, a fraction bar, "and a half"."""
    out: list[Mention] = []
    rest = text[end:]
    if m := _PERCENT.match(rest):
        out.append(_span(text, start, end + m.end(), value / 100, "percent"))
    if m := _SCALE.match(rest):
        word, glued = m.group("w"), (m.group("g") or "").lower()
        scale = SCALES.get((word or "").lower()) or (_GLUED_SCALES.get(glued) if glued == "k" or money else None)
        if scale:
            out.append(_span(text, start, end + m.end(), value * scale, "scaled"))
    if (m := _SLASH.match(rest)) and float(value).is_integer() and int(m.group("den")) > 0:
        out.append(_span(text, start, end + m.end(), value / int(m.group("den")), "fraction"))
    if (m := _HALF.match(rest)) and float(value).is_integer():
        part = 1 / DENOMINATORS[m.group("den").lower()]
        out.append(_span(text, start, end + m.end(), math.copysign(abs(value) + part, value), "fraction"))
    return out


def _digit_mentions(text: str) -> list[Mention]:
    out: list[Mention] = []
    for m in _DIGITS.finditer(text):
        sign = -1.0 if (m.group("sign") or m.group("sign2")) else 1.0
        value = sign * _number(m.group("num"))
        if m.group("ord"):
            out.append(_span(text, m.start(), m.end(), value, "ordinal", casual=True))
            continue
        labelled = bool(_LABEL_BEFORE.search(text[: m.start()]))
        out.append(_span(text, m.start(), m.end(), value, "label" if labelled else "digits", casual=labelled))
        out += _suffixes(text, m.start(), m.end(), value, money=bool(m.group("cur")))
    for m in _SPACED.finditer(text):
        value = (-1.0 if m.group("sign") else 1.0) * _number(m.group("num"))
        out.append(_span(text, m.start(), m.end(), value, "digits"))
        out += _suffixes(text, m.start(), m.end(), value, money=False)
    return out


class _Token:
    """A word, digit group or punctuation mark of the text, as text2num's Token protocol wants it."""

    def __init__(self, match: re.Match[str], inert: bool = False) -> None:
        self.word, self.start, self.end = match.group(), match.start(), match.end()
        self.inert = inert

    def text(self) -> str:
        return self.word

    def nt_separated(self, previous: _Token) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return self.inert


def _tokens(text: str) -> list[_Token]:
    """Tokens for text2num, without the comma num2words-style English puts after a scale ("nine thousand, three
    hundred"), which would otherwise split one number in two. A scale word right after digits ("9.3 thousand") is
    read with the digits, so text2num must not start a number of its own there."""
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text):
        inert = m.group().lower() in SCALES and bool(tokens) and tokens[-1].word[:1].isdigit()
        tokens.append(_Token(m, inert))
    kept: list[_Token] = []
    for i, tok in enumerate(tokens):
        after_scale = kept and kept[-1].word.lower() in SCALES
        before_word = i + 1 < len(tokens) and tokens[i + 1].word[:1].isalpha()
        if tok.word == "," and after_scale and before_word:
            continue
        kept.append(tok)
    return kept


def _word_mentions(text: str) -> list[Mention]:
    tokens = _tokens(text)
    occurrences = find_numbers(tokens, "en", 0.0)
    out: list[Mention] = []
    for occ in occurrences:
        first, last = tokens[occ.start], tokens[occ.end - 1]
        start, end, value = first.start, last.end, float(occ.value)
        if sign := _SIGN_WORD.search(text[:start]):
            start, value = sign.start(), -value
        if occ.is_ordinal:
            out.append(_span(text, start, end, value, "ordinal", casual=True))
            continue
        single = occ.end - occ.start == 1 and "-" not in first.word
        casual = single and abs(value) <= SMALL_WORD_MAX and float(value).is_integer()
        out.append(_span(text, start, end, value, "words", casual))
        # "nine point three thousand": text2num reads the decimal and the scale word as two numbers.
        out += _suffixes(text, start, end, value, money=False)
    return out


def _word_fractions(text: str) -> list[Mention]:
    out = []
    for m in _WORD_FRACTION.finditer(text):
        raw = m.group("num").lower()
        top = int(raw) if raw.isdigit() else _NUMERATORS[raw]
        value = top / DENOMINATORS[m.group("den").lower()]
        # "a half", "one third", "a quarter" of something are everyday words; "one eighth" is already a quantity.
        casual = top == 1 and DENOMINATORS[m.group("den").lower()] <= 4
        out.append(_span(text, m.start(), m.end(), value, "fraction", casual=casual))
    return out
