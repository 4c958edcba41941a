"""Full-text search over payloads: the text a payload is searched by, the terms of a query, and where they hit.

A query is words and "quoted phrases"; a point matches when every term occurs in its text, case-insensitively
(each term is a substring, so ``leak`` finds "leaked"). Pure: the review queue stores each point's text, the
review page's use case matches and cuts snippets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

MAX_QUERY = 200  # characters of a query that count
MAX_TERMS = 10
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def payload_text(payload: Any) -> str:
    """Every text of a payload (prompt, answer, solution, rubric rows, ...), one value a line, whitespace
    collapsed. Numbers count as text (an answer of 42 is found by "42"); keys and booleans do not."""
    lines: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            line = " ".join(value.split())
            if line:
                lines.append(line)
        elif isinstance(value, bool) or value is None:
            return
        elif isinstance(value, int | float):
            lines.append(format(value, "g") if isinstance(value, float) else str(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(payload)
    return "\n".join(lines)


def terms(query: str) -> list[str]:
    """The terms of ``query``: its words and "quoted phrases" (whitespace inside collapsed), at most MAX_TERMS."""
    found: list[str] = []
    for phrase, word in _TERM.findall(query[:MAX_QUERY]):
        term = " ".join((phrase or word).split())
        if term and term.casefold() not in (t.casefold() for t in found):
            found.append(term)
    return found[:MAX_TERMS]


def compile_terms(found: Sequence[str]) -> list[re.Pattern[str]]:
    """One case-insensitive pattern per term (a phrase's spaces match any whitespace)."""
    return [re.compile(r"\s+".join(map(re.escape, t.split())), re.IGNORECASE) for t in found]


def matches(text: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    """Whether every term occurs in ``text`` (no terms: everything matches)."""
    return all(p.search(text) for p in patterns)


def snippet(text: str, patterns: Sequence[re.Pattern[str]], width: int = 160) -> list[tuple[str, bool]]:
    """About ``width`` characters of ``text`` around its first hit, as (part, is_hit) pairs in order, every hit
    within marked; "…" where text was cut. Empty when no term occurs."""
    hits = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(text) if m.end() > m.start())
    if not hits:
        return []
    first = hits[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    spans: list[tuple[int, int]] = []
    for a, b in hits:  # overlapping hits merge; only those inside the window count
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    parts: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for a, b in spans:
        if a > at:
            parts.append((text[at:a], False))
        parts.append((text[a:b], True))
        at = b
    if at < end:
        parts.append((text[at:end], False))
    if end < len(text):
        parts.append(("…", False))
    return [(" ".join(part.split("\n")), hit) for part, hit in parts]
