"""Rubrics of atomic criteria: the criterion model, rubric files, scoring and checks on the rubric itself. Pure.

A criterion is one row: text, type, polarity, criticality. A judge answers one yes/no per criterion: does
the output show what the text describes? A "must" row is satisfied by yes, a "must-not" row by no.
Scoring is binary per criterion and equal-weight; an unsatisfied gate criterion caps the total.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import msgspec

from domain.errors import DomainError
from domain.novelty import similarity

TYPES = ("instruction-following", "outcome", "process", "grounding-and-safety")
POLARITIES = ("must", "must-not")
CRITICALITIES = ("gate", "additive")


class RubricError(DomainError):
    """A rubric that cannot be used; the message names the file and the row."""


class Criterion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One atomic yes/no criterion. ``split_from`` keeps the text of the compound row it was split out of."""

    text: str
    type: str
    polarity: str = "must"
    criticality: str = "additive"
    split_from: str = ""


class Score(msgspec.Struct, frozen=True):
    """A graded output: ``total`` after the gate cap, ``raw`` before it, and per-type subscores."""

    total: float
    raw: float
    capped: bool
    satisfied: list[bool]
    failed_gates: list[int]
    by_type: dict[str, float]


def _canon(value: Any) -> str:
    return re.sub(r"[\s_]+", "-", str(value).strip().lower())


_ALIASES = {
    "grounding": "grounding-and-safety",
    "safety": "grounding-and-safety",
    "grounding-safety": "grounding-and-safety",
    "instruction": "instruction-following",
    "mustnot": "must-not",
    "must-not-": "must-not",
}


def criterion_from(row: Any, where: str, lines: dict[str, int] | None = None) -> Criterion:
    """One row (a mapping) as a Criterion. ``where`` names the row in errors ("rubric.toml: criterion 3");
    ``lines`` maps the row's fields (and "" for the row itself) to their line in the file, where known."""
    lines = lines or {}

    def at(name: str = "") -> str:
        line = lines.get(name) or lines.get("")
        return f"{where} (line {line})" if line else where

    if not isinstance(row, dict):
        raise RubricError(f"{at()}: expected a table with text, type, polarity, criticality; got {type(row).__name__}")
    unknown = sorted(set(row) - {"text", "type", "polarity", "criticality", "split_from", "id"})
    if unknown:
        raise RubricError(f"{at(unknown[0])}: unknown field {unknown[0]!r} (fields: text, type, polarity, criticality)")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RubricError(f"{at('text')}: missing or empty 'text'")
    fields: dict[str, str] = {}
    for name, allowed, default in (
        ("type", TYPES, None),
        ("polarity", POLARITIES, "must"),
        ("criticality", CRITICALITIES, "additive"),
    ):
        raw = row.get(name, default)
        if raw is None:
            raise RubricError(f"{at()}: missing {name!r} (one of {', '.join(allowed)})")
        value = _ALIASES.get(_canon(raw), _canon(raw))
        if value not in allowed:
            raise RubricError(f"{at(name)}: unknown {name} {raw!r} (one of {', '.join(allowed)})")
        fields[name] = value
    return Criterion(text=" ".join(text.split()), split_from=str(row.get("split_from") or ""), **fields)


def criteria_from(rows: Any, where: str = "rubric") -> list[Criterion]:
    """A list of rows as criteria; no rows at all is an error."""
    if not isinstance(rows, list) or not rows:
        raise RubricError(f"{where}: no criteria (give a list of rows with text, type, polarity, criticality)")
    return [criterion_from(row, f"{where}: criterion {i}") for i, row in enumerate(rows, 1)]


def _toml_row_lines(text: str) -> list[dict[str, int]]:
    """Per ``[[criteria]]`` row: its header's line (key "") and the line of each ``field = ...`` in it."""
    rows: list[dict[str, int]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*\[\[\s*criteria\s*\]\]", line):
            rows.append({"": n})
        elif re.match(r"\s*\[", line):
            rows.append({})  # another table: later keys are not this row's
        elif rows and (key := re.match(r"\s*([A-Za-z_][\w-]*)\s*=", line)):
            rows[-1].setdefault(key.group(1), n)
    return [r for r in rows if "" in r]


def parse_rubric(text: str, filename: str = "rubric") -> list[Criterion]:
    """A rubric file: TOML (``[[criteria]]`` rows) or JSON (a list of rows, or ``{"criteria": [...]}``)."""
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")) and not stripped.startswith("[["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RubricError(f"{filename}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
        rows = data.get("criteria") if isinstance(data, dict) else data
        return criteria_from(rows, filename)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{filename}: not valid TOML ({exc})") from None
    rows = data.get("criteria")
    lines = _toml_row_lines(text)
    if not isinstance(rows, list) or not rows:
        raise RubricError(f"{filename}: no criteria (add [[criteria]] rows with text, type, polarity, criticality)")
    return [
        criterion_from(row, f"{filename}: criterion {i}", lines[i - 1] if i <= len(lines) else None)
        for i, row in enumerate(rows, 1)
    ]


def as_rows(criteria: Sequence[Criterion]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(c) for c in criteria]


def satisfied(criterion: Criterion, present: bool) -> bool:
    return present if criterion.polarity == "must" else not present


def score(criteria: Sequence[Criterion], present: Sequence[bool], cap: float = 0.0) -> Score:
    """Equal-weight binary score; any unsatisfied gate criterion caps the total at ``cap``."""
    if len(criteria) != len(present):
        raise ValueError(f"{len(present)} judgements for {len(criteria)} criteria")
    ok = [satisfied(c, p) for c, p in zip(criteria, present, strict=True)]
    raw = sum(ok) / len(ok) if ok else 0.0
    failed = [i for i, (c, s) in enumerate(zip(criteria, ok, strict=True)) if c.criticality == "gate" and not s]
    total = min(raw, cap) if failed else raw
    by_type: dict[str, float] = {}
    for kind in TYPES:
        mine = [s for c, s in zip(criteria, ok, strict=True) if c.type == kind]
        if mine:
            by_type[kind] = sum(mine) / len(mine)
    return Score(
        total=round(total, 6),
        raw=round(raw, 6),
        capped=bool(failed) and raw > cap,
        satisfied=ok,
        failed_gates=failed,
        by_type=by_type,
    )


# --- checks on the rubric itself -------------------------------------------------------------------------

_VAGUE = re.compile(
    r"\b(appropriate(ly)?|good|well|clear(ly)?|proper(ly)?|reasonabl[ey]|adequate(ly)?|nice(ly)?|helpful|"
    r"relevant|high[- ]quality|engaging|professional(ly)?|effective(ly)?|concise|thorough(ly)?|sufficient(ly)?|"
    r"robust|polished|compelling|suitable|as needed|if necessary|etc)\b",
    re.I,
)
_JOINER = re.compile(r"\s*(?:;|,\s*and\b|\band also\b|\bas well as\b|\band\b|\bor\b)\s*", re.I)


def vague_terms(text: str) -> list[str]:
    """Words that leave the yes/no to the judge's taste ("clear", "appropriate", ...)."""
    return sorted({m.group(0).lower() for m in _VAGUE.finditer(text)})


def compound_parts(text: str) -> list[str]:
    """The separate requirements a criterion joins with and/or/;, each at least three words; [] if atomic."""
    parts = [p.strip(" .") for p in _JOINER.split(text) if p and p.strip(" .")]
    return parts if len(parts) > 1 and all(len(p.split()) >= 3 for p in parts) else []


def duplicates(criteria: Sequence[Criterion]) -> list[tuple[int, int]]:
    """Pairs of rows with the same text (case and spacing ignored)."""
    seen: dict[str, int] = {}
    out = []
    for i, c in enumerate(criteria):
        key = " ".join(c.text.lower().split()).rstrip(".")
        if key in seen:
            out.append((seen[key], i))
        else:
            seen[key] = i
    return out


def overlaps(criteria: Sequence[Criterion], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs of rows whose texts are lexically similar above ``threshold``: likely the same check twice."""
    return [
        (i, j, s)
        for (i, a), (j, b) in combinations(enumerate(criteria), 2)
        if (s := similarity(a.text, b.text)) > threshold
    ]


def missing_types(criteria: Sequence[Criterion], required: Sequence[str] = TYPES) -> list[str]:
    have = {c.type for c in criteria}
    return [t for t in required if t not in have]


# --- agreement between judges ----------------------------------------------------------------------------


def raw_agreement(ratings: Sequence[Sequence[bool]]) -> float:
    """Mean over subjects of the share of judge pairs that agree. ``ratings[subject][judge]``."""
    shares = []
    for row in ratings:
        m = len(row)
        if m < 2:
            raise ValueError("agreement needs at least two judges per subject")
        yes = sum(row)
        shares.append((yes * (yes - 1) + (m - yes) * (m - yes - 1)) / (m * (m - 1)))
    return sum(shares) / len(shares) if shares else 1.0


def fleiss_kappa(ratings: Sequence[Sequence[bool]]) -> float | None:
    """Fleiss' kappa for yes/no ratings, ``ratings[subject][judge]``, the same number of judges per subject.

    None when it is undefined: with no subjects, or when every rating falls in one category (chance agreement
    is 1). Such a row agrees perfectly but separates nothing, which a score of 1.0 would hide.
    """
    if not ratings:
        return None
    m = len(ratings[0])
    if m < 2 or any(len(r) != m for r in ratings):
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of judges for every subject")
    p_bar = raw_agreement(ratings)
    p_yes = sum(sum(r) for r in ratings) / (len(ratings) * m)
    p_e = p_yes**2 + (1 - p_yes) ** 2
    if p_e >= 1.0:
        return None
    return (p_bar - p_e) / (1 - p_e)


def constant(ratings: Sequence[Sequence[bool]]) -> bool | None:
    """The one answer every judge gave on every subject, or None when any two answers differ (or none given)."""
    seen = {bool(v) for row in ratings for v in row}
    return seen.pop() if len(seen) == 1 else None
