"""Program graders for ground-truth answers: exact match, numeric tolerance, JSON schema + values. Pure."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])[-−]?\$?\d[\d,]*(?:\.\d+)?|(?<![\w.])[-−]?\$?\.\d+")
_FINAL = re.compile(r"(?im)^\s*(?:final\s+)?answer\s*[:=]\s*")
TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class Verdict:
    """The grader's decision, the answer it read from the response, and why it decided so."""

    ok: bool
    parsed: str
    why: str = ""


def final_answer(text: str) -> str:
    """The part of a response that states the answer: after the last 'ANSWER:' line, else the last line."""
    text = text.strip()
    marks = list(_FINAL.finditer(text))
    if marks:
        return text[marks[-1].end() :].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` ("1,240", "$73.10", "-4.5", "15%"), in order."""
    out = []
    for match in _NUMBER.finditer(text):
        raw = match.group().replace(",", "").replace("$", "").replace("−", "-")
        try:
            out.append(float(raw))
        except ValueError:
            continue
    return out


def parse_number(text: str) -> float | None:
    """The last number in ``text``, or None."""
    found = numbers_in(text)
    return found[-1] if found else None


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form; thousands separators and wrapping punctuation dropped."""
    text = " ".join(str(text).split()).lower().strip(" .!;:'\"`*")
    if re.fullmatch(r"[-−]?\$?\d[\d,]*(?:\.\d+)?", text):
        text = text.replace(",", "").replace("$", "").replace("−", "-")
    return text


def grade_exact(response: str, reference: Any) -> Verdict:
    said = final_answer(response)
    ok = normalise(said) == normalise(str(reference))
    return Verdict(ok, said, "" if ok else "does not match the reference")


def within(value: float, reference: float, tolerance: float = 0.0, rel_tolerance: float = 0.0) -> bool:
    """|value - reference| within the larger of the absolute and relative tolerances (plus float slack)."""
    allowed = max(tolerance, rel_tolerance * abs(reference))
    return abs(value - reference) <= allowed + 1e-9 * max(1.0, abs(reference))


def grade_numeric(response: str, reference: float, tolerance: float = 0.0, rel_tolerance: float = 0.0) -> Verdict:
    said = final_answer(response)
    value = parse_number(said)
    if value is None:
        return Verdict(False, said, "no number in the answer")
    ok = within(value, float(reference), tolerance, rel_tolerance)
    return Verdict(ok, said, "" if ok else "outside the tolerance")


def extract_json(text: str) -> Any:
    """The first JSON object in ``text`` (fenced or bare), or None."""
    start = text.find("{")
    while start != -1:
        try:
            return json.JSONDecoder().raw_decode(text[start:])[0]
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    return None


def schema_fields(schema: dict[str, Any]) -> dict[str, str]:
    """Required key -> type name, from a flat {"key": "type"} map or a JSON-schema-like object."""
    if isinstance(schema.get("properties"), dict):
        props = schema["properties"]
        required = schema.get("required", list(props))
        return {k: str(props.get(k, {}).get("type", "")) for k in required}
    return {str(k): str(v) for k, v in schema.items()}


def type_ok(value: Any, type_name: str) -> bool:
    if type_name not in TYPES:
        return True
    if isinstance(value, bool) and type_name != "boolean":
        return False
    if type_name == "integer" and isinstance(value, float) and value.is_integer():
        return True
    return isinstance(value, TYPES[type_name])


def same_value(a: Any, b: Any) -> bool:
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return normalise(a) == normalise(b)
    return a == b


def grade_json(response: str, reference: dict[str, Any], schema: dict[str, Any]) -> Verdict:
    """Accept when every required key is present with its type and equals the reference's value."""
    data = extract_json(final_answer(response)) or extract_json(response)
    said = json.dumps(data, sort_keys=True) if data is not None else final_answer(response)
    if not isinstance(data, dict):
        return Verdict(False, said, "no JSON object in the answer")
    for key, type_name in schema_fields(schema).items():
        if key not in data:
            return Verdict(False, said, f"missing key {key!r}")
        if not type_ok(data[key], type_name):
            return Verdict(False, said, f"key {key!r} is not {type_name}")
        if key in reference and not same_value(data[key], reference[key]):
            return Verdict(False, said, f"wrong value for {key!r}")
    return Verdict(True, said)


def grade(item: dict[str, Any], response: str) -> Verdict:
    """Grade ``response`` against an item with answer, answer_type, tolerance, rel_tolerance and schema."""
    kind = item.get("answer_type")
    if kind == "exact":
        return grade_exact(response, item.get("answer"))
    if kind == "numeric":
        return grade_numeric(
            response, float(item["answer"]), float(item.get("tolerance") or 0), float(item.get("rel_tolerance") or 0)
        )
    if kind == "json":
        return grade_json(response, item.get("answer") or {}, item.get("schema") or {})
    return Verdict(False, final_answer(response), f"unknown answer type {kind!r}")


def equivalent(item: dict[str, Any], a: str, b: str) -> bool:
    """Whether the item's grader would treat two stated answers (as ``Verdict.parsed`` gives them) as the same
    answer: numbers within the item's tolerance, JSON objects equal on the schema's keys, else the same text."""
    kind = item.get("answer_type")
    if kind == "numeric":
        x, y = parse_number(a), parse_number(b)
        if x is not None and y is not None:
            return within(x, y, float(item.get("tolerance") or 0), float(item.get("rel_tolerance") or 0))
    if kind == "json":
        da, db = extract_json(a), extract_json(b)
        if isinstance(da, dict) and isinstance(db, dict):
            keys = list(schema_fields(item.get("schema") or {})) or sorted(set(da) | set(db))
            return all(k in da and k in db and same_value(da[k], db[k]) for k in keys)
    return normalise(a) == normalise(b)
