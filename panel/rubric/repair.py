"""How the rubric panel's repairer applies an instruction: right about three times in four, except on the
items whose problem of that kind it never fixes (``stubborn``, a property of the task), however often asked.
"""

from __future__ import annotations

import random
import re
from typing import Any

from panel.rubric import author
from panel.rubric.checks import crisp, parts
from panel.rubric.compose import parse
from panel.rubric.world import KINDS, Req, Task, canonical, req_from_flaw, unit

Row = dict[str, Any]
STUBBORN = {
    "split": 0.25,
    "reword": 0.3,
    "agree": 0.4,
    "overlap": 0.4,
    "catch": 0.3,
    "contrived": 0.45,
    "constant": 0.2,
}
DRIFT = 0.3  # share of realism rewrites that also change a fact of the task (the rubric then cites a stale one)
CONTEXT = ("It goes out later today.", "Use the usual house style.", "The team reviews it before it is sent.")


def stubborn(kind: str, prompt: str) -> bool:
    return unit("stubborn", kind, canonical(prompt)) < STUBBORN.get(kind, 0.0)


def _rows_named(text: str) -> list[int]:
    """0-based rows named in one instruction sentence: "Row 3 ...", "Rows 2 and 6 ..."."""
    found = re.search(r"\brows? (\d+)(?: and (\d+))?", text, re.I)
    return [int(n) - 1 for n in found.groups() if n] if found else []


def _covered(rows: list[Row]) -> set[Req]:
    return {req for r in rows for req in (parts(str(r.get("text", ""))) or [])}


def _uncovered(task: Task, rows: list[Row], row_type: str | None = None) -> list[Req]:
    have = _covered(rows)
    out = [r for r in task.reqs if r not in have]
    same = [r for r in out if KINDS[r.kind].type == row_type]
    return same or ([] if row_type is None else out)


def _reword(rows: list[Row], i: int, task: Task, ok: bool, kind: str, rng: random.Random) -> None:
    """Replace a row of taste with a crisp check of a requirement the rubric misses (or drop it when nothing is
    missing); a failed attempt swaps in another phrase of the same taste."""
    row = rows[i]
    if not ok:
        rows[i] = author.taste(kind, row["type"], rng)
        return
    missing = _uncovered(task, rows, row["type"])
    if missing:
        rows[i] = missing[0].row()
    else:
        rows[i] = {}  # dropped below


def _sharpen_or_cut(rows: list[Row], i: int, kept: bool) -> None:
    """A row that separates nothing: cut it, unless every output satisfies it and it is the rubric's only check
    of its type; that one the rubric needs, so it becomes a hard requirement (a gate criterion) every acceptable
    output must meet. A row every output fails (e.g. one citing a fact the prompt no longer gives) is cut."""
    kind = rows[i].get("type")
    if kept and not any(r and j != i and r.get("type") == kind for j, r in enumerate(rows)):
        rows[i] = {**rows[i], "criticality": "gate"}
    else:
        rows[i] = {}


def _split(row: Row) -> list[Row]:
    found = parts(str(row["text"]))
    if not found:
        return [row]
    return [{**r.row(), "split_from": row["text"]} for r in found]


def _drift(prompt: str, task: Task, rng: random.Random) -> str:
    """Rewrite a number of one fact, everywhere in the prompt: a rewrite that quietly moved a detail."""
    facts = [r for r in task.reqs if r.kind in ("fact", "cite") and re.search(r"\d", r.value)]
    if not facts:
        return prompt
    value = rng.choice(facts).value
    return prompt.replace(value, author._bump(value))


def repair(item: dict[str, Any], instruction: str, rng: random.Random) -> dict[str, Any]:
    """The item after applying ``instruction`` the way a capable but fallible model does."""
    prompt = str(item.get("prompt") or "")
    task = parse(prompt)
    rows = [dict(r) for r in item.get("criteria") or [] if isinstance(r, dict)]
    if task is None:
        return item
    fixed, lucky, text = dict(item), rng.random() < 0.75, instruction.lower()
    sentences = re.split(r"(?<=\.)\s+(?=Rows? \d)", instruction)
    if "split it into" in text or "reword it as" in text or "judges disagree" in text or "separates nothing" in text:
        for sentence in sentences:
            for i in _rows_named(sentence):
                if i >= len(rows) or not rows[i]:
                    continue
                if "separates nothing" in sentence:
                    if lucky and not stubborn("constant", prompt):
                        _sharpen_or_cut(rows, i, kept="satisfies it" in sentence)
                elif "split it into" in sentence and lucky and not stubborn("split", prompt):
                    rows[i] = {"split": _split(rows[i])}
                elif "reword" in sentence.lower() or "disagree" in sentence.lower():
                    kind = "vague" if "is vague" in sentence else "subtle"
                    fixable = not stubborn("reword" if kind == "vague" else "agree", prompt)
                    _reword(rows, i, task, lucky and fixable, kind, rng)
        rows = [s for r in rows for s in (r["split"] if "split" in r else [r]) if s]
    elif "merge or distinguish" in text:
        if lucky and not stubborn("overlap", prompt):
            drop = {max(pair) for s in sentences if len(pair := _rows_named(s)) == 2}
            rows = [r for i, r in enumerate(rows) if i not in drop]
    elif "add at least one criterion of type" in text:
        wanted = re.findall(r"of type ([\w-]+)", text)
        rows += [m[0].row() for t in wanted if (m := _uncovered(task, rows, t)) and KINDS[m[0].kind].type == t]
    elif "catch:" in text:
        if lucky and not stubborn("catch", prompt):
            flaws = instruction.split("catch:", 1)[1].split(". ")[0]
            named = [req for f in re.split(r";\s*", flaws) if (req := req_from_flaw(f)) is not None]
            target = {r for r in task.reqs for n in named if (r.kind, r.label) == (n.kind, n.label)}
            for i, row in enumerate(rows):  # sharpen: rows of taste become crisp checks (or go)
                if not crisp(str(row.get("text", ""))):
                    _reword(rows, i, task, True, "subtle", rng)
            rows = [r for r in rows if r]
            rows += [r.row() for r in task.reqs if r in target and r not in _covered(rows)]
    elif "unrealistic" in text or "contrived" in text:
        if lucky and not stubborn("contrived", prompt):
            fixed["prompt"] = canonical(prompt)
            if fixed["prompt"] == prompt:  # nothing contrived to remove: add a line of plain context instead
                head, sep, tail = prompt.partition("\n\nRequirements:")
                fixed["prompt"] = f"{head} {rng.choice(CONTEXT)}{sep}{tail}"
            if rng.random() < DRIFT:
                fixed["prompt"] = _drift(fixed["prompt"], task, rng)
    fixed["criteria"] = rows
    return fixed
