"""Messages the rubric recipe sends. Each system prompt starts with a ``[assay:rubric:<role>]`` header (the
offline panel dispatches on it; a hosted model just follows the instructions after it)."""

from __future__ import annotations

import json
from typing import Any

AUTHOR = """[assay:rubric:author]
You write one evaluation point for rubric-graded writing: a realistic writing task, one model's response to it
(the captured output), and the rubric that grades such responses. Reply with only a JSON object:
  "prompt": the task as the writer sees it: a short realistic brief, then a line "Requirements:" and one
            requirement per line starting with "- ", giving any exact fact in parentheses;
  "output": a plausible response to the prompt by an ordinary model (it may miss a requirement or two);
  "criteria": the rubric, a list of {"text", "type", "polarity", "criticality"}:
     text: one atomic yes/no check answerable from the output alone, starting "The response ...", with the exact
           fact, word or format to look for in parentheses, e.g. "The response mentions the price ($49)";
     type: "instruction-following", "outcome", "process" or "grounding-and-safety" (cover all four);
     polarity: "must" (satisfied when the output shows it) or "must-not" (satisfied when it does not);
     criticality: "gate" (failing it caps the score) or "additive".
No two rows may check the same thing; no row may join two checks with "and"/"or"; avoid words of taste
("clear", "appropriate", "professional")."""

WRITER = """[assay:rubric:writer]
You write sample responses to a writing task, to test a grading rubric. Write one good response that meets
every requirement of the task, and {n} flawed responses, each of which breaks one or two specific requirements
and is otherwise like the good one. Reply with only a JSON object:
{{"good": "<response>", "flawed": [{{"flaw": "<what it gets wrong, in a few words>", "output": "<response>"}}]}}"""

JUDGE = """[assay:rubric:judge]
You grade one response against a rubric. For each numbered criterion decide whether the response shows what
the criterion describes: true if it does, false if it does not. Read each criterion literally, whether or not
the behaviour is desirable ("The response promises a refund" is true when the response promises one).
Reply with only a JSON object: {"present": [true or false for each criterion, in order]}"""

SOLVE = """[assay:rubric:{role}]
Complete the writing task below. Reply with only the text of your response."""

REALISM = """[assay:rubric:judge-realism]
You review a writing task before it is used to evaluate models. Decide whether it is realistic and not
contrived: a real person could plausibly send this brief, and it has one sensible reading. List every distinct
reading a careful writer could take (one entry when it has a single reading). Reply with only a JSON object:
{"realistic": true or false, "readings": ["<reading>", ...], "reason": "<one short sentence>"}"""

REPAIR = """[assay:rubric:repair]
You fix one rubric evaluation item. Apply the instruction, change nothing else, and reply with only the
corrected item as a JSON object with the same keys. When you split a criterion into several rows, give each
new row "split_from": the original criterion's text."""


def author(
    topic: str, difficulty: str, checklist: list[str], extra: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The author's request; ``extra`` carries any further axes of the coordinate as "Name: value" lines."""
    lines = [f"Topic: {topic}", f"Difficulty: {difficulty}"]
    lines += [f"{name.replace('_', ' ').capitalize()}: {value}" for name, value in (extra or {}).items()]
    if checklist:
        lines += ["", "Commonly missed by earlier items (check each one):"] + [f"- {c}" for c in checklist]
    return [{"role": "system", "content": AUTHOR}, {"role": "user", "content": "\n".join(lines)}]


def writer(prompt: str, n: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": WRITER.format(n=n)},
        {"role": "user", "content": f"Flawed responses: {n}\n\nTask:\n{prompt}"},
    ]


def numbered(texts: list[str]) -> str:
    return "\n".join(f"{i}. {t}" for i, t in enumerate(texts, 1))


def judge(prompt: str, output: str, criteria: list[str]) -> list[dict[str, str]]:
    user = (
        f"Task given to the writer:\n{prompt}\n\nResponse to grade:\n<response>\n{output}\n</response>\n\n"
        f"Criteria:\n{numbered(criteria)}"
    )
    return [{"role": "system", "content": JUDGE}, {"role": "user", "content": user}]


def solve(prompt: str, role: str = "solve") -> list[dict[str, str]]:
    return [{"role": "system", "content": SOLVE.format(role=role)}, {"role": "user", "content": prompt}]


def realism(payload: dict[str, Any]) -> list[dict[str, str]]:
    return [{"role": "system", "content": REALISM}, {"role": "user", "content": f"Task:\n{payload['prompt']}"}]


def repair(item: dict[str, Any], instruction: str) -> list[dict[str, str]]:
    body = json.dumps(item, ensure_ascii=False, sort_keys=True)
    user = f"Instruction: {instruction}\n\nItem:\n{body}"
    return [{"role": "system", "content": REPAIR}, {"role": "user", "content": user}]
