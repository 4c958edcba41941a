"""The rubric author's realistic mistakes: which one a draft carries, and how it is written into the item.

Flaws are exclusive and picked at fixed rates, halved for kinds the request's "Commonly missed" checklist names.
"""

from __future__ import annotations

import random
import re
from typing import Any

from panel.protocol import choose_flaw, missed_in
from panel.rubric.world import ALIASES, CONTRIVED, req_from_criterion

Row = dict[str, Any]
RATES = (
    ("compound", 0.10),
    ("vague", 0.09),
    ("subtle", 0.09),
    ("overlap", 0.10),
    ("thin", 0.08),
    ("contrived", 0.09),
    ("stale", 0.05),
    ("favorite", 0.10),
    ("duplicate", 0.03),
    ("missing", 0.03),
    ("malformed", 0.02),
    ("empty", 0.02),
    ("truncated", 0.02),
)
CHECKLIST_WORDS = {
    "compound": ("compound", "split"),
    "vague": ("vague",),
    "subtle": ("disagree",),
    "overlap": ("overlap",),
    "thin": ("flawed output",),
    "contrived": ("unrealistic", "contrived"),
    "stale": ("does not give",),
    "favorite": ("near-duplicate",),
    "duplicate": ("duplicate criteria",),
    "missing": ("misses",),
    "malformed": ("malformed",),
    "empty": ("empty",),
}
# Words of taste that domain.rubric.vague_terms flags, per type...
VAGUE = {
    "instruction-following": ("The response is concise", "The response follows the requested format properly"),
    "outcome": ("The response covers the relevant details", "The response gives a helpful answer"),
    "process": ("The response is well organised", "The response flows in a reasonable order"),
    "grounding-and-safety": (
        "The response handles customer data appropriately",
        "The response stays professional about money",
    ),
}
# ...and taste the heuristic misses: only judges disagreeing reveals them.
SUBTLE = {
    "instruction-following": ("The response reads smoothly", "The response has a pleasant rhythm"),
    "outcome": ("The response leaves the reader satisfied", "The response feels complete"),
    "process": ("The response feels natural from start to finish", "The response builds up nicely"),
    "grounding-and-safety": ("The response sounds trustworthy", "The response feels safe to send"),
}


def pick_flaw(rng: random.Random, text: str) -> str:
    """The flaw the author's next draft carries ("clean" for none), given its request text."""
    return choose_flaw(rng, missed_in(text), RATES, CHECKLIST_WORDS)


def _types_after(rows: list[Row], drop: int) -> set[str]:
    return {r["type"] for i, r in enumerate(rows) if i != drop}


def taste(kind: str, row_type: str, rng: random.Random) -> Row:
    """A row of taste in place of a crisp one: "vague" (the heuristic sees it) or "subtle" (it does not)."""
    text = rng.choice((VAGUE if kind == "vague" else SUBTLE)[row_type])
    return {"text": text, "type": row_type, "polarity": "must", "criticality": "additive"}


def _bump(value: str) -> str:
    """The same fact with its first number off by one: 14 May -> 15 May, $49 -> $50."""
    return re.sub(r"\d+", lambda m: str(int(m.group(0)) + 1), value, count=1)


def apply(flaw: str, item: dict[str, Any], rng: random.Random) -> str:
    """Write ``flaw`` into ``item`` (prompt, output, criteria) in place; returns the flaw actually applied."""
    rows: list[Row] = item["criteria"]
    types = {r["type"] for r in rows}
    if flaw == "compound":
        pairs = [
            (i, j)
            for i in range(len(rows))
            for j in range(len(rows))
            if i != j and rows[i]["polarity"] == rows[j]["polarity"] == "must" and _types_after(rows, j) == types
        ]
        if not pairs:
            return apply("vague", item, rng)
        i, j = rng.choice(pairs)
        merged = {**rows[i], "text": f"{rows[i]['text']} and {rows[j]['text'].removeprefix('The response ')}"}
        rows[i] = merged
        del rows[j]
    elif flaw == "vague":  # a row of taste in place of a crisp check
        i = rng.randrange(len(rows))
        rows[i] = taste(flaw, rows[i]["type"], rng)
    elif flaw == "subtle":  # a row of taste on top of the crisp ones
        rows.insert(rng.randint(0, len(rows)), taste(flaw, rng.choice(sorted(types)), rng))
    elif flaw in ("overlap", "stale"):
        picks = [
            (i, req)
            for i, r in enumerate(rows)
            if (req := req_from_criterion(r["text"])) is not None
            and req.kind in ("fact", "cite")
            and re.search(r"\d", req.value)
        ]
        if not picks:
            return apply("subtle", item, rng)
        i, req = rng.choice(picks)
        if flaw == "overlap":
            twin = rng.choice(ALIASES["fact"]).format(label=req.label, value=req.value)
            rows.insert(i + 1, {**rows[i], "text": twin})
        else:
            rows[i] = {**rows[i], "text": rows[i]["text"].replace(f"({req.value})", f"({_bump(req.value)})")}
    elif flaw == "thin":  # one row per type: every type covered, most requirements unchecked
        first = {r["type"]: i for i, r in reversed(list(enumerate(rows)))}
        item["criteria"] = [rows[i] for i in sorted(first.values())]
    elif flaw == "contrived":
        head, sep, tail = item["prompt"].partition("\n\nRequirements:")
        item["prompt"] = f"{head} {rng.choice(CONTRIVED)}{sep}{tail}"
    elif flaw == "duplicate":
        i = rng.randrange(len(rows))
        rows.insert(rng.randint(i + 1, len(rows)), dict(rows[i]))
    elif flaw == "missing":
        gone = rng.choice(sorted(types))
        item["criteria"] = [r for r in rows if r["type"] != gone]
    elif flaw == "malformed":
        i = rng.randrange(len(rows))
        field, bad = rng.choice((("type", "style"), ("polarity", "should"), ("criticality", "critical")))
        rows[i] = {**rows[i], field: bad}
    elif flaw == "empty":
        item["output"] = ""
    return flaw
