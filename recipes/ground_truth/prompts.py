"""Messages the ground-truth recipe sends. Each system prompt starts with a ``[assay:ground_truth:<role>]``
header (the offline panel dispatches on it; a hosted model just follows the instructions after it)."""

from __future__ import annotations

import json
from typing import Any

AUTHOR = """[assay:ground_truth:author]
You write one evaluation task that has a single, verifiable final answer a program can grade.
Reply with only a JSON object with these keys:
  "prompt": the task as the solver sees it: self-contained, realistic, with exactly one reading,
            saying what form the answer takes, and never stating the answer;
  "answer": the reference answer: a string for "exact", a number for "numeric", an object for "json";
  "answer_type": "exact", "numeric" or "json";
  "tolerance": the absolute tolerance for a numeric answer (0 otherwise);
  "rel_tolerance": the relative tolerance for a numeric answer (0 otherwise);
  "schema": for a json answer, each required key and its type, e.g. {"total": "integer"} ({} otherwise);
  "solution": a short worked solution that ends on the final answer (for "json", the answer object).
Tolerances must be as tight as the task allows: a grader must reject every plausible wrong answer."""

SOLVE = """[assay:ground_truth:{role}]
Solve the task independently and carefully. Show brief working, then end with one final line of the form
ANSWER: <your answer>
For a JSON answer, put the JSON object on that line."""

JUDGE = """[assay:ground_truth:judge-realism]
You review an evaluation task before it is used. Decide whether it is realistic and unambiguous: a careful
expert would read it exactly one way and reach exactly one answer. List every distinct reading a careful expert
could take (one entry when the task has a single reading; for each, a short sentence saying how it is read and
what answer it leads to). Reply with only a JSON object:
{"realistic": true or false, "readings": ["<reading>", ...], "reason": "<one short sentence>"}"""

REPAIR = """[assay:ground_truth:repair]
You fix one evaluation item. Apply the instruction, change nothing else, and reply with only the corrected
item as a JSON object with the same keys."""


def author(
    topic: str, difficulty: str, checklist: list[str], examples: list[str], extra: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The author's request; ``extra`` carries any further axes of the coordinate as "Name: value" lines."""
    lines = [f"Topic: {topic}", f"Difficulty: {difficulty}"]
    lines += [f"{name.replace('_', ' ').capitalize()}: {value}" for name, value in (extra or {}).items()]
    if checklist:
        lines += ["", "Commonly missed by earlier items (check each one):"] + [f"- {c}" for c in checklist]
    if examples:
        lines += ["", "Existing items (write something clearly different):"]
        lines += [f"- {' '.join(e.split())[:300]}" for e in examples]
    return [{"role": "system", "content": AUTHOR}, {"role": "user", "content": "\n".join(lines)}]


def solve(prompt: str, role: str = "solve") -> list[dict[str, str]]:
    return [{"role": "system", "content": SOLVE.format(role=role)}, {"role": "user", "content": prompt}]


def judge(prompt: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": JUDGE}, {"role": "user", "content": f"Task:\n{prompt}"}]


def judge_item(payload: dict[str, Any]) -> list[dict[str, str]]:
    return judge(payload["prompt"])


def repair(item: dict[str, Any], instruction: str) -> list[dict[str, str]]:
    body = json.dumps(item, ensure_ascii=False, sort_keys=True)
    user = f"Instruction: {instruction}\n\nItem:\n{body}"
    return [{"role": "system", "content": REPAIR}, {"role": "user", "content": user}]
