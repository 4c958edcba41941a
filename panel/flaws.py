"""The realistic mistakes the panel's author makes, and how its repairer (usually) undoes them.

The author plants flaws from its own lists (AMBIGUOUS, LEAKS); everything that reads a prompt afterwards
(solvers, judge, repairer, the helpers below) goes by the family's generic reading (``tasks.read``) instead,
so a sentence in any wording is treated the same as a planted one.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from panel import tasks
from panel.protocol import choose_flaw
from panel.tasks import fmt, sentences

AMBIGUOUS = (
    "Some of the figures may be estimates.",
    "Assume whatever rounding seems most natural at each step.",
    "It is not stated whether any of this was later reversed.",
    "Depending on how you read it, the last step may or may not count.",
    "Use the usual convention, whichever that is where you live.",
)
LEAKS = (
    "(For reference, the answer is {a}.)",
    "Hint: it works out to {a}.",
    "The expected result is {a}.",
    "Note that the result should come to {a}.",
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

# Base rates per author draft (exclusive). "favorite" is mode collapse: the author's pet item for a
# task family, lightly reworded, which novelty flags from its second appearance on. "contradiction" is a right
# reference answer with a worked solution that ends on a different value.
RATES = (
    ("wrong", 0.13),
    ("favorite", 0.12),
    ("leak", 0.095),
    ("ambiguous", 0.11),
    ("loose", 0.095),
    ("contradiction", 0.125),
    ("malformed", 0.065),
    ("degenerate", 0.06),
    ("truncated", 0.02),
)
# A reflection checklist that names a problem halves the author's rate of making it.
CHECKLIST_WORDS = {
    "wrong": ("oracle", "wrong reference"),
    "favorite": ("duplicate", "novel", "repeat"),
    "leak": ("reveal", "states the answer", "leak", "remove the answer"),
    "ambiguous": ("ambiguous", "unrealistic", "one reading"),
    "loose": ("accepts wrong", "too loose"),
    "contradiction": ("contradict", "worked solution"),
    "malformed": ("invalid", "field", "malformed"),
}
# Share of items whose flaw of this kind the repairer cannot fix, however often it is asked: it keeps
# re-deriving the same wrong answer, keeps its tolerance, keeps the vague sentence or the hint.
STUBBORN = {"reference": 0.45, "grading": 0.7, "ambiguity": 0.75, "leak": 0.7}


def pick_flaw(rng: random.Random, checklist: list[str]) -> str:
    return choose_flaw(rng, " ".join(checklist).lower(), RATES, CHECKLIST_WORDS)


def insert_before_question(prompt: str, sentence: str) -> str:
    parts = sentences(prompt)
    return " ".join(parts[:-1] + [sentence] + parts[-1:]) if len(parts) > 1 else f"{sentence} {prompt}"


def strip_flaws(prompt: str) -> str:
    """The prompt without the sentences its task does not consume (vague asides, leaked answers)."""
    reading = tasks.read(prompt)
    return reading.core if reading.item is not None else prompt


def has_ambiguity(prompt: str) -> bool:
    """Whether the prompt carries a sentence its task does not consume and that does not state the answer."""
    return bool(tasks.unclear(tasks.read(prompt)))


def inject(flaw: str, item: tasks.Item, rng: random.Random) -> dict[str, Any]:
    """The author's payload for ``item`` carrying ``flaw`` (a clean payload for 'clean' and friends)."""
    payload = item.payload()
    if flaw in ("wrong", "contradiction"):
        wrong = rng.choice(tasks.mistakes(item.prompt) or [item.answer])
        payload["solution"] = conclude(item.solution, wrong)
        if flaw == "wrong":
            payload["answer"] = wrong
    elif flaw == "leak":
        payload["prompt"] = insert_before_question(item.prompt, rng.choice(LEAKS).format(a=fmt(item.answer)))
    elif flaw == "ambiguous":
        payload["prompt"] = insert_before_question(item.prompt, rng.choice(AMBIGUOUS))
    elif flaw == "loose":
        payload.update(loosen(item, rng))
    elif flaw == "malformed":
        payload.update(malform(item, rng))
    return payload


def conclude(solution: str, value: Any) -> str:
    """The worked solution rewritten to end on ``value``: its last number (or its JSON answer) replaced."""
    if isinstance(value, dict):
        start = solution.rfind("{")
        head = solution[:start] if start >= 0 else f"{solution.rstrip(' .')}. So the answer is "
        return f"{head}{json.dumps(value)}."
    last = list(_NUMBER.finditer(solution))
    if not last:
        return f"{solution} So the answer is {fmt(value)}.".strip()
    return solution[: last[-1].start()] + fmt(value) + solution[last[-1].end() :]


def stubborn(kind: str, prompt: str) -> bool:
    """Whether the repairer can never fix this item's problem of ``kind`` (a key of STUBBORN). A property of
    the task itself (its family and numbers), so rewording the prompt or asking again does not change it."""
    found = tasks.identify(strip_flaws(prompt))
    key = json.dumps([kind, found[0].name, found[1]] if found else [kind, prompt], sort_keys=True, default=str)
    u = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32
    return u < STUBBORN.get(kind, 0.0)


def loosen(item: tasks.Item, rng: random.Random) -> dict[str, Any]:
    if item.answer_type == "json":
        return {"schema": {k: v for k, v in item.schema.items() if k != "term_10"} or {}}
    if item.answer_type == "exact":
        value = float(item.answer)
        return {"answer_type": "numeric", "answer": value, "tolerance": max(2.0, round(abs(value) * 0.05, 2))}
    return rng.choice(({"rel_tolerance": 0.2}, {"tolerance": round(abs(item.answer) * 0.15 + 1, 2)}))


def malform(item: tasks.Item, rng: random.Random) -> dict[str, Any]:
    if item.answer_type == "json":
        broken = json.dumps(item.answer)[:-1]
        first = next(iter(item.answer))
        return rng.choice(({"answer": broken}, {"answer": {first: item.answer[first]}}))
    if item.answer_type == "numeric":
        return rng.choice(({"answer": f"about {fmt(item.answer)}"}, {"tolerance": -0.01}))
    return rng.choice(({"answer": ""}, {"answer_type": "integer"}))


def repair(payload: dict[str, Any], instruction: str, rng: random.Random) -> dict[str, Any]:
    """Apply an instruction the way a capable but fallible model does: right ~75% of the time, except on
    the items whose problem it cannot fix (``stubborn``), where it fails every time."""
    text, fixed = instruction.lower(), dict(payload)
    prompt = str(payload.get("prompt") or "")
    truth = tasks.solve(strip_flaws(prompt))
    if truth is None:
        return fixed
    lucky = rng.random() < 0.75
    if "reference answer" in text or "oracle" in text:
        ok = lucky and not stubborn("reference", prompt)
        fixed["answer"] = truth.answer if ok else rng.choice(tasks.mistakes(prompt) or [truth.answer])
        fixed["solution"] = truth.solution if ok else conclude(str(fixed.get("solution") or ""), fixed["answer"])
    elif "tolerance" in text or "schema" in text:
        if stubborn("grading", prompt):
            return fixed  # convinced its grading is right: changes nothing
        if lucky:
            fixed.update({k: v for k, v in truth.payload().items() if k not in ("prompt", "solution")})
        elif isinstance(payload.get("tolerance"), (int, float)):
            fixed["tolerance"] = round(float(payload["tolerance"]) / 2, 4)
    elif "remove the answer" in text or "reveal" in text:
        if lucky and not stubborn("leak", prompt):
            fixed["prompt"] = strip_leaks(prompt)
        else:
            fixed["prompt"] = insert_before_question(strip_leaks(prompt), rng.choice(LEAKS).format(a=fmt(truth.answer)))
    elif "ambiguous" in text or "unrealistic" in text or "one reading" in text:
        clean = reword(truth.prompt, rng)
        kept = list(tasks.unclear(tasks.read(prompt)))  # a failed rewrite keeps the vague sentence
        ok = lucky and not stubborn("ambiguity", prompt)
        fixed["prompt"] = clean if ok or not kept else insert_before_question(clean, kept[0])
    elif "invalid" in text or "field" in text:
        if lucky:
            fixed.update(truth.payload())
    return fixed


def reword(prompt: str, rng: random.Random) -> str:
    """The same task in different words (same numbers, same answer), when the family has other wordings."""
    found = tasks.identify(prompt)
    if found is None:
        return prompt
    fam, p = found
    for _ in range(12):
        text = fam.render(p, rng)
        if text != prompt:
            return text
    return prompt


def strip_leaks(prompt: str) -> str:
    """The prompt without the extra sentences that state the answer."""
    reading = tasks.read(prompt)
    item = reading.item
    if item is None:
        return prompt
    gone = {s for s in reading.extra if tasks.states_answer(item, s)}
    return " ".join(s for s in sentences(prompt) if s not in gone)
