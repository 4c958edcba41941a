"""How the rubric panel's judges read a criterion: crisp ones are checked mechanically on the output text, so
every judge gives the same answer; anything else is a matter of taste, decided by a coin biased per judge.
"""

from __future__ import annotations

import re

from domain.rubric import compound_parts
from panel.rubric.world import Req, req_from_criterion, unit, words

# How readily each judge says "yes" to a criterion it cannot check: judges differ in taste.
LENIENCY = {"judge-a": 0.85, "judge-b": 0.5, "judge-c": 0.15}
_NUMBERED = re.compile(r"^\s*\d+[.)]\s")
_BULLET = re.compile(r"^\s*[-•*]\s")


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip()]


def _body(output: str) -> list[str]:
    lines = _lines(output)
    return lines[1:] if lines and lines[0].lower().startswith("subject:") else lines


def _listed(output: str, label: str, pattern: re.Pattern[str]) -> bool:
    """At least two list lines right after the first line that names ``label``."""
    lines = _lines(output)
    start = next((i for i, line in enumerate(lines) if label.lower() in line.lower()), None)
    if start is None:
        return False
    count = 0
    for line in lines[start + 1 :]:
        if not pattern.match(line):
            break
        count += 1
    return count >= 2


def present(req: Req, output: str) -> bool:
    """Whether ``output`` shows what the requirement's criterion describes (its literal reading)."""
    text, kind = _norm(output), req.kind
    if kind in ("fact", "cite", "secret"):
        return _norm(req.value) in text
    if kind == "refund":
        return re.search(r"\brefund", text) is not None
    if kind == "discount":
        return re.search(r"\bdiscount|\d+% off", text) is not None
    if kind == "limit":
        return req.value.isdigit() and words(output) <= int(req.value)
    if kind == "calm":
        return "!" not in output
    if kind == "subject":
        lines = _lines(output)
        return bool(lines) and lines[0].lower().startswith("subject:")
    if kind == "signoff":
        lines = _lines(output)
        return bool(lines) and _norm(req.value) in _norm(lines[-1])
    if kind == "greeting":
        body = _body(output)
        return bool(body) and _norm(body[0]).startswith(_norm(req.value))
    if kind == "apology":
        body = _body(output)
        first = re.split(r"(?<=[.!?])\s", body[1])[0] if len(body) > 1 else ""
        return re.search(r"\b(sorry|apologi[sz]e)", first.lower()) is not None
    if kind == "numbered":
        return _listed(output, req.label, _NUMBERED)
    if kind == "bullets":
        return _listed(output, req.label, _BULLET)
    if kind == "sequence":
        a, b = text.find(_norm(req.label)), text.find(_norm(req.value))
        return 0 <= a < b
    return False


def parts(text: str) -> list[Req] | None:
    """The requirements a criterion checks (several for a compound row); None when any part is not crisp."""
    pieces = compound_parts(text) or [text]
    found = []
    for piece in pieces:
        piece = piece if piece.lower().startswith("the response") else f"The response {piece}"
        req = req_from_criterion(piece)
        if req is None:
            return None
        found.append(req)
    return found


def crisp(text: str) -> bool:
    return parts(text) is not None


def verdict(model: str, criterion: str, output: str) -> bool:
    """One judge's yes/no: mechanical for crisp criteria (all parts must hold), taste otherwise. Taste is
    stable per (judge, criterion, output), so asking again gives the same answer."""
    found = parts(criterion)
    if found is not None:
        return all(present(r, output) for r in found)
    lean = LENIENCY.get(model, 0.3 + 0.5 * unit("leniency", model))
    return unit("taste", model, criterion, output) < lean
