"""The rubric payload: normalising, validating, reading the rubric, and the pure checks its gates share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from domain.graders import extract_json
from domain.rubric import (
    Criterion,
    RubricError,
    as_rows,
    compound_parts,
    criteria_from,
    duplicates,
    missing_types,
    vague_terms,
)

FIELDS = ("prompt", "output", "criteria")
_TRAILING = re.compile(r"\(([^()]*\d[^()]*)\)\s*\.?\s*$")  # a trailing "(fact)" holding a number: $49, A-1042


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the known fields; rows that parse are written canonically (type aliases resolved, defaults filled),
    rows that do not are kept as given so the construct gate can name the problem."""
    item = {k: raw[k] for k in FIELDS if k in raw}
    if isinstance(item.get("output"), str):
        item["output"] = item["output"].strip("\n")
    try:
        item["criteria"] = as_rows(criteria_from(item.get("criteria")))
    except RubricError:
        pass
    return item


def validate(item: dict[str, Any]) -> list[str]:
    """Problems with the payload, each naming its field (and row); empty when it can be graded."""
    errors = []
    if not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
        errors.append("prompt: missing or empty")
    if not isinstance(item.get("output"), str):
        errors.append("output: missing (the captured output, a string)")
    try:
        criteria_from(item.get("criteria"), "criteria")
    except RubricError as exc:
        errors.append(str(exc))
    return errors


def rubric(item: dict[str, Any]) -> list[Criterion]:
    """The payload's criteria (raises RubricError when malformed: gates run after construct)."""
    return criteria_from(item.get("criteria"), "criteria")


def rows_text(rows: Sequence[int]) -> str:
    """1-based row numbers for a reason: "row 3", "rows 2 and 5", "rows 1, 4 and 6"."""
    shown = [str(r + 1) for r in rows]
    if len(shown) == 1:
        return f"row {shown[0]}"
    return f"rows {', '.join(shown[:-1])} and {shown[-1]}"


def construct_problems(item: dict[str, Any], required: Sequence[str]) -> list[str]:
    """The structural problems no repair is asked for: schema, empty output, missing types, duplicate rows."""
    errors = validate(item)
    if errors:
        return [f"malformed item ({errors[0]})"]
    criteria = rubric(item)
    if not item["output"].strip():
        return ["the captured output is empty"]
    if missing := missing_types(criteria, required):
        return [f"rubric misses a required type ({', '.join(missing)})"]
    if pairs := duplicates(criteria):
        return [f"duplicate criteria ({rows_text(pairs[0])})"]
    return []


def atomicity(criteria: Sequence[Criterion]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Compound rows (row -> its parts) and vague rows (row -> the words of taste), 0-based."""
    compound = {i: p for i, c in enumerate(criteria) if (p := compound_parts(c.text))}
    vague = {i: v for i, c in enumerate(criteria) if (v := vague_terms(c.text))}
    return compound, vague


def splits(criteria: Sequence[Criterion]) -> dict[str, list[str]]:
    """Rows split out of a compound one, grouped by the original text."""
    out: dict[str, list[str]] = {}
    for c in criteria:
        if c.split_from:
            out.setdefault(c.split_from, []).append(c.text)
    return out


def stale_facts(item: dict[str, Any], criteria: Sequence[Criterion]) -> list[tuple[int, str]]:
    """Rows whose trailing fact in parentheses holds a number the prompt never states: (row, fact), 0-based.
    Numbers, codes, prices and dates are what a rubric gets wrong by inventing or misremembering them."""
    prompt = " ".join(str(item.get("prompt", "")).lower().split())
    out = []
    for i, c in enumerate(criteria):
        found = _TRAILING.search(c.text)
        if found and " ".join(found.group(1).lower().split()) not in prompt:
            out.append((i, found.group(1)))
    return out


def present_list(text: str, count: int) -> list[bool] | None:
    """A judge's reply as one bool per criterion; None when it is not ``{"present": [bool x count]}``."""
    data = extract_json(text)
    values = data.get("present") if isinstance(data, dict) else None
    if not isinstance(values, list) or len(values) != count or not all(isinstance(v, bool) for v in values):
        return None
    return values


def samples_from(text: str, count: int) -> tuple[str, list[tuple[str, str]]] | None:
    """The writer's reply as (good output, [(flaw, flawed output)]); None unless it holds ``count`` flawed ones."""
    data = extract_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("good"), str) or not data["good"].strip():
        return None
    flawed = [
        (str(f.get("flaw", "")).strip(), f["output"])
        for f in data.get("flawed") or []
        if isinstance(f, dict) and isinstance(f.get("output"), str) and f["output"].strip()
    ]
    return (data["good"], flawed) if len(flawed) >= count else None
