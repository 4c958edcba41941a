"""Program grader for agent-step decisions: read "ACTION: name {json args}", normalise, compare. Pure.

An action is a tool name and a JSON object of arguments. Grading "action" compares names only; "action_args"
compares names and arguments after normalisation (case, whitespace, "64.50" == 64.5, "true" == true, null
arguments dropped).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from domain.graders import TYPES, Verdict, type_ok

GRADINGS = ("action", "action_args")
_MARK = re.compile(r"(?im)^[ \t>*`]*(?:next\s+|final\s+)?action\s*[:=]\s*")
_NAME = re.compile(r"[\s`'\"*]*([A-Za-z_][\w.\-]*)[`'\"*]*(?:\(\s*\))?")
_NUMERIC = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Action:
    """A parsed decision; ``args`` is None when the reply's arguments were not a JSON object."""

    name: str
    args: dict[str, Any] | None


def normalise_name(name: str) -> str:
    """'Issue Refund', 'issue-refund()' and 'issue_refund' are one action."""
    text = " ".join(str(name).split()).strip().strip("`'\"*").lower().removesuffix("()")
    return re.sub(r"[\s\-]+", "_", text.strip())


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"  # never equal to 1 or 0 (True == 1 in Python)
    if value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = " ".join(value.split()).strip().lower()
        if _NUMERIC.fullmatch(text):
            return float(text.replace(",", "").replace("$", ""))
        return text
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return normalise_args(value)
    return str(value)


def normalise_args(args: dict[str, Any]) -> dict[str, Any]:
    """Keys lower-cased and trimmed, null arguments dropped, values normalised recursively."""
    return {str(k).strip().lower(): _value(v) for k, v in args.items() if v is not None}


def parse(text: str) -> Action | None:
    """The last "ACTION: name {args}" line of a reply (args may run over several lines); None if there is none."""
    marks = list(_MARK.finditer(text or ""))
    if not marks:
        return None
    rest = text[marks[-1].end() :]
    found = _NAME.match(rest)
    if not found:
        return None
    tail = rest[found.end() :].lstrip()
    if not tail.startswith("{"):
        return Action(normalise_name(found.group(1)), {})
    try:
        args = json.JSONDecoder().raw_decode(tail)[0]
    except json.JSONDecodeError:
        return Action(normalise_name(found.group(1)), None)
    return Action(normalise_name(found.group(1)), args if isinstance(args, dict) else None)


def format_action(name: str, args: dict[str, Any] | None = None) -> str:
    """The canonical reply line for an action."""
    return f"ACTION: {name} {json.dumps(args or {}, sort_keys=True, ensure_ascii=False)}"


def same(a: Action, b: Action, grading: str) -> bool:
    if normalise_name(a.name) != normalise_name(b.name):
        return False
    if grading == "action":
        return True
    return a.args is not None and b.args is not None and normalise_args(a.args) == normalise_args(b.args)


def grade(reference: dict[str, Any], grading: str, reply: str) -> Verdict:
    """Grade a reply against a reference {"action", "args"} under ``grading`` ("action" | "action_args")."""
    said = parse(reply)
    if said is None:
        return Verdict(False, " ".join(str(reply).split())[-200:], "no ACTION line in the reply")
    shown = said.name + ("" if said.args is None else " " + json.dumps(said.args, sort_keys=True))
    want = Action(str(reference.get("action", "")), dict(reference.get("args") or {}))
    if normalise_name(said.name) != normalise_name(want.name):
        return Verdict(False, shown, "a different action")
    if grading == "action_args" and said.args is None:
        return Verdict(False, shown, "arguments are not a JSON object")
    ok = same(said, want, grading)
    return Verdict(ok, shown, "" if ok else "wrong arguments")


def schema_errors(args: Any, schema: dict[str, str]) -> list[str]:
    """How ``args`` misfits an action's {arg: type} schema; a type ending in "?" marks an optional argument."""
    if not isinstance(args, dict):
        return ["arguments must be an object"]
    errors = [f"unknown argument {k!r}" for k in args if k not in schema]
    for arg, kind in schema.items():
        optional, base = kind.endswith("?"), kind.rstrip("?")
        if arg not in args or args[arg] is None:
            if not optional:
                errors.append(f"missing argument {arg!r}")
        elif not type_ok(args[arg], base):
            errors.append(f"argument {arg!r} is not {base}")
    return errors


def known_type(kind: Any) -> bool:
    return isinstance(kind, str) and kind.rstrip("?") in TYPES
