"""Word-level diffs between payload versions, side by side (difflib), for reviewers.

``word_diff`` splits two texts into words, whitespace and punctuation and aligns them: the left side is the
old text with removed words marked, the right side the new text with added words marked. ``payload_diff``
does that for every field two payloads hold differently (a non-string value is compared as indented JSON, so a
rubric row or a tolerance change shows word by word too).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Literal

import msgspec

Op = Literal["equal", "delete", "insert"]
MAX_TOKENS = 20_000  # per side; beyond it the sides are shown whole, as removed and added (difflib is quadratic)
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


class Segment(msgspec.Struct, frozen=True):
    """A run of text on one side: unchanged ("equal"), only in the old text ("delete") or only in the new one
    ("insert")."""

    op: Op
    text: str


class FieldDiff(msgspec.Struct, frozen=True):
    """One field's old and new text, each as segments (``before`` has no inserts, ``after`` no deletes)."""

    field: str
    before: list[Segment]
    after: list[Segment]
    added: bool = False  # the field is new in the newer payload
    removed: bool = False  # the field is gone from the newer payload


def tokens(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks, which join back to ``text``."""
    return _TOKEN.findall(text)


def _push(side: list[Segment], op: Op, text: str) -> None:
    if not text:
        return
    if side and side[-1].op == op:
        side[-1] = Segment(op, side[-1].text + text)
    else:
        side.append(Segment(op, text))


def word_diff(before: str, after: str) -> tuple[list[Segment], list[Segment]]:
    """(old side, new side) of a word-level diff: each side joins back to its text."""
    a, b = tokens(before), tokens(after)
    left: list[Segment] = []
    right: list[Segment] = []
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        _push(left, "delete" if before != after else "equal", before)
        _push(right, "insert" if before != after else "equal", after)
        return left, right
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        # Whitespace alone kept between two changes reads as noise ("-a b- +c d+"): count it as changed.
        between = 0 < n < len(codes) - 1 and codes[n - 1][0] != "equal" and codes[n + 1][0] != "equal"
        if tag == "equal" and not (between and not old.strip()):
            _push(left, "equal", old)
            _push(right, "equal", new)
        else:
            _push(left, "delete", old)
            _push(right, "insert", new)
    return left, right


def field_text(value: Any) -> str:
    """A payload value as the text a reviewer compares: strings as they are, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def payload_diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldDiff]:
    """A word diff of every field that differs between two payloads, in the newer payload's field order (fields
    only the older one has come last)."""
    keys = [k for k in after if k not in before or before[k] != after[k]]
    keys += [k for k in before if k not in after]
    out = []
    for key in keys:
        old = field_text(before[key]) if key in before else ""
        new = field_text(after[key]) if key in after else ""
        left, right = word_diff(old, new)
        out.append(FieldDiff(str(key), left, right, added=key not in before, removed=key not in after))
    return out
