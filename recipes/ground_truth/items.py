"""The ground-truth payload: normalising, validating, grading, and the wrong answers gates try on it."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from domain import graders, numbers

FIELDS = ("prompt", "answer", "answer_type", "tolerance", "rel_tolerance", "schema", "solution")
ANSWER_TYPES = ("exact", "numeric", "json")


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the known fields, coerce what a model commonly writes loosely ("73.10" for a number)."""
    item = {k: raw[k] for k in FIELDS if k in raw}
    kind = item.get("answer_type")
    if isinstance(kind, str):
        item["answer_type"] = kind = kind.strip().lower()
    answer = item.get("answer")
    if kind == "numeric" and isinstance(answer, str):
        try:
            item["answer"] = float(answer.replace(",", "").strip())
        except ValueError:
            pass  # validate() reports it
    if kind == "json" and isinstance(answer, str):
        try:
            item["answer"] = json.loads(answer)
        except json.JSONDecodeError:
            pass
    for key in ("tolerance", "rel_tolerance"):
        item.setdefault(key, 0.0)
    item.setdefault("schema", {})
    item.setdefault("solution", "")
    return item


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate(item: dict[str, Any]) -> list[str]:
    """Problems with the payload, each naming its field; empty when it can be graded."""
    errors = []
    if not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
        errors.append("prompt: missing or empty")
    kind, answer = item.get("answer_type"), item.get("answer")
    if kind not in ANSWER_TYPES:
        errors.append(f"answer_type: must be one of {', '.join(ANSWER_TYPES)} (got {kind!r})")
    for key in ("tolerance", "rel_tolerance"):
        if not _is_number(item.get(key, 0.0)) or item.get(key, 0.0) < 0:
            errors.append(f"{key}: must be a number >= 0 (got {item.get(key)!r})")
    if "answer" not in item:
        errors.append("answer: missing")
    elif kind == "exact" and (isinstance(answer, (bool, dict, list)) or not str(answer).strip()):
        errors.append("answer: an exact answer must be a non-empty string")
    elif kind == "numeric" and not _is_number(answer):
        errors.append(f"answer: {answer!r} is not a number")
    elif kind == "json":
        errors += _json_errors(answer, item.get("schema"))
    return errors


def _json_errors(answer: Any, schema: Any) -> list[str]:
    if not isinstance(schema, dict) or not schema:
        return ["schema: a json answer needs a schema of required keys and types"]
    fields = graders.schema_fields(schema)
    unknown = sorted({t for t in fields.values() if t not in graders.TYPES})
    if unknown:
        return [f"schema: unknown types {unknown}; use {', '.join(graders.TYPES)}"]
    if isinstance(answer, str):
        return ["answer: not valid JSON"]
    if not isinstance(answer, dict):
        return ["answer: a json answer must be an object"]
    errors = [f"answer: missing key {k!r} required by the schema" for k in fields if k not in answer]
    errors += [
        f"answer: key {k!r} is not {t}" for k, t in fields.items() if k in answer and not graders.type_ok(answer[k], t)
    ]
    return errors


def as_text(answer: Any) -> str:
    if isinstance(answer, (dict, list)):
        return json.dumps(answer, sort_keys=True)
    if isinstance(answer, float):
        return f"{answer:.6f}".rstrip("0").rstrip(".")
    return str(answer)


def grade(item: dict[str, Any], response: str) -> graders.Verdict:
    return graders.grade(item, response)


def accepts(item: dict[str, Any], answer: Any) -> bool:
    """Whether the item's grader accepts ``answer`` written as a final answer line."""
    return grade(item, f"ANSWER: {as_text(answer)}").ok


def counters(item: dict[str, Any]) -> list[Any]:
    """Plausible wrong answers: off by one, x10, /10, sign, rounding, a 2% or 5% slip, a wrong or missing key."""
    ref = item.get("answer")
    if item.get("answer_type") == "json" and isinstance(ref, dict):
        out: list[Any] = []
        for key, value in ref.items():
            out.append({**ref, key: _nudge(value)})
            out.append({**{k: v for k, v in ref.items() if k != key}, f"{key}_x": value})
        return out
    number = ref if _is_number(ref) else _as_number(ref)
    if number is None:
        return [f"{ref}s", f"not {ref}"]
    ints = item.get("answer_type") == "exact"
    raw = [number + 1, number - 1, number * 10, number / 10, -number, round(number)]
    raw += [number * 1.05, number * 0.95, number * 1.02, number * 0.98]
    # A real mistake, not a rounding difference. A relative tolerance claims precision relative to the answer's
    # size, so then a 2% slip of a small answer (0.36 -> 0.367) is a mistake too, however small in absolute
    # terms; and off by one from a whole-number answer (580 -> 581) is always a mistake.
    floor = max(0.01 * abs(number), 0.05)
    if item.get("rel_tolerance"):
        floor = max(0.01 * abs(number), 0.5 * 10.0 ** -_decimals(number))  # a rounding step is not a slip
    elif float(number).is_integer():
        floor = min(floor, 0.5)
    out = []
    for c in raw:
        if abs(c - number) >= floor and c not in out:
            out.append(int(c) if ints and float(c).is_integer() else round(c, 6))
    return [str(c) for c in out] if ints else out


def _decimals(number: float) -> int:
    """Decimal places of a number as written (580.0 -> 0, 0.675 -> 3), at most 6."""
    written = f"{number:.6f}".rstrip("0")
    return len(written.split(".")[1]) if "." in written else 0


def _nudge(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if _is_number(value):
        return value + 1
    return f"{value} (wrong)"


def _as_number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def concluded(item: dict[str, Any]) -> Any:
    """What the worked solution concludes: the JSON object it states (json answers) or its last number;
    None when it states nothing comparable (no solution, or an exact answer that is not a number)."""
    solution, kind = item.get("solution"), item.get("answer_type")
    if not isinstance(solution, str) or not solution.strip():
        return None
    if kind == "json":
        data = graders.extract_json(solution)
        return data if isinstance(data, dict) else None
    value = graders.parse_number(solution)
    if value is None or (kind == "exact" and _as_number(item.get("answer")) is None):
        return None
    return int(value) if kind == "exact" and value.is_integer() else value


def trivial(item: dict[str, Any]) -> list[tuple[str, Any]]:
    """Answers a solver could give without solving: first/last/largest number in the prompt, 0, 1, {}."""
    numbers = graders.numbers_in(str(item.get("prompt", "")))
    found: list[tuple[str, Any]] = [("zero", 0), ("one", 1)]
    if numbers:
        found += [
            ("the first number", numbers[0]),
            ("the last number", numbers[-1]),
            ("the largest number", max(numbers)),
        ]
    if item.get("answer_type") == "json":
        keys = graders.schema_fields(item.get("schema") or {})
        found += [("an empty object", {}), ("zeros", dict.fromkeys(keys, 0))]
        if numbers:
            found.append(("the last number everywhere", {k: int(numbers[-1]) for k in keys}))
    return found


# A sentence that claims a result: only there does a casual mention (a small number word, an ordinal, "term 1")
# count as stating the answer, since clean prompts write "one of the boxes" or "the first term" all the time.
_CLAIM = re.compile(
    r"\b(?:answer|result|solution|total|outcome)s?\s*(?:is|was|will\s+be|should\s+be|comes|works|:|=)|"
    r"\b(?:works?\s+out|comes?\s+(?:out\s+)?to|equals?|expected|hint|ends?\s+up)\b|=",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Leak:
    """Where the prompt states the reference answer (or one of its values): the value and how it is written."""

    value: Any
    written: str


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around the span start..end."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    first = max(b for b in bounds if b <= start)
    last = min((b for b in bounds if b >= end), default=len(text))
    return text[first:last]


def _leaf_values(ref: Any) -> list[Any]:
    """The values a grader compares: every field of a JSON answer (nested ones too), else the answer itself."""
    if isinstance(ref, dict):
        return [v for value in ref.values() for v in _leaf_values(value)]
    if isinstance(ref, list):
        return [v for value in ref for v in _leaf_values(value)]
    return [ref]


def leak(item: dict[str, Any]) -> Leak | None:
    """Where the prompt states the reference answer (or one of its values), in any form numbers take (digits,
    words, currency, percent, fraction, scaled); None when it states none of them. A plain statement is reported
    before a casual one that only counts inside a sentence claiming a result."""
    prompt, ref = str(item.get("prompt", "")), item.get("answer")
    found = numbers.mentions(prompt)
    claims: list[Leak] = []
    for value in _leaf_values(ref):
        number = float(value) if _is_number(value) else None
        if number is None and isinstance(value, str):
            number = _as_number(value)
        if number is None:
            hit = re.search(rf"(?<!\w){re.escape(value.strip())}(?!\w)", prompt, re.I) if _long_text(value) else None
            if hit:
                return Leak(value, hit.group())
            continue
        for m in found:
            if not numbers.same(m.value, number):
                continue
            if not m.casual:
                return Leak(value, m.text)
            if _CLAIM.search(_sentence(prompt, m.start, m.end)):
                claims.append(Leak(value, m.text))
    return claims[0] if claims else None


def _long_text(value: Any) -> bool:
    """A text answer long enough that finding it in the prompt is not chance ("no", "a" are)."""
    return isinstance(value, str) and len(value.strip()) > 2


def leaked(item: dict[str, Any]) -> bool:
    """The reference answer (or one of its values) is written in the prompt, in any form."""
    return leak(item) is not None
