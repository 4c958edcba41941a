"""Family "sequences": continue an integer sequence; the answer is a JSON object {next_term, term_10}."""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any

from panel.family import Params

SCHEMA = {"next_term": "integer", "term_10": "integer"}
_TERMS = re.compile(r"(-?\d+(?:, -?\d+){3,})")
OPENERS = (
    "A sequence begins {terms}.",
    "Consider the sequence {terms}, and so on.",
    "The first {count} terms of a sequence are {terms}.",
    "A number sequence starts {terms}, ...",
    "Look at this sequence: {terms}.",
)
ASK = (
    'Reply with a JSON object with integer fields "next_term" (the term right after the ones shown) and '
    '"term_10" (the tenth term, counting the first shown term as term 1).',
    'Answer with JSON containing two integers: "next_term", the term that follows, and "term_10", '
    "the 10th term (the first term shown is term 1).",
)


def terms_of(kind: str, a: int, b: int, c: int, count: int) -> list[int]:
    """The first ``count`` terms of a rule: arithmetic (a, +b), geometric (a, ×b), quadratic, fibonacci-like."""
    if kind == "arithmetic":
        return [a + b * i for i in range(count)]
    if kind == "geometric":
        return [a * b**i for i in range(count)]
    if kind == "quadratic":
        return [a + b * i + c * i * i for i in range(count)]
    out = [a, b]
    while len(out) < count:
        out.append(out[-1] + out[-2])
    return out[:count]


def detect(terms: list[int]) -> tuple[str, int, int, int] | None:
    """The simplest rule that fits every shown term, tried in order of simplicity."""
    d = [y - x for x, y in zip(terms, terms[1:], strict=False)]
    if len(set(d)) == 1:
        return "arithmetic", terms[0], d[0], 0
    if (
        terms[0]
        and all(t % terms[0] == 0 for t in terms)
        and len({y // x for x, y in zip(terms, terms[1:], strict=False) if x}) == 1
    ):
        ratio = terms[1] // terms[0]
        if terms == terms_of("geometric", terms[0], ratio, 0, len(terms)):
            return "geometric", terms[0], ratio, 0
    if all(terms[i] == terms[i - 1] + terms[i - 2] for i in range(2, len(terms))):
        return "fibonacci", terms[0], terms[1], 0
    dd = {y - x for x, y in zip(d, d[1:], strict=False)}
    if len(dd) == 1 and dd.pop() % 2 == 0:
        c = (d[1] - d[0]) // 2
        return "quadratic", terms[0], d[0] - c, c
    return None


class Sequences:
    name = "sequences"
    topics = ("sequences", "patterns", "number sequences")

    def params(self, rng: random.Random, difficulty: str, topic: str) -> Params:
        kinds = {
            "easy": ("arithmetic",),
            "medium": ("arithmetic", "geometric"),
            "hard": ("quadratic", "fibonacci", "geometric"),
        }.get(difficulty, ("arithmetic",))
        kind = rng.choice(kinds)
        if kind == "arithmetic":
            a, b, c = rng.randint(-40, 90), rng.choice([-1, 1]) * rng.randint(2, 12 if difficulty == "easy" else 48), 0
        elif kind == "geometric":
            a, b, c = rng.randint(1, 30), rng.randint(2, 3 if difficulty != "hard" else 5), 0
        elif kind == "quadratic":
            a, b, c = rng.randint(-20, 40), rng.randint(-8, 15), rng.randint(1, 5) * rng.choice((1, 1, -1))
        else:
            a, b, c = rng.randint(1, 20), rng.randint(2, 30), 0
        count = 5 if difficulty != "hard" else 6
        return {"kind": kind, "a": a, "b": b, "c": c, "count": count}

    def degenerate(self, rng: random.Random, difficulty: str, topic: str) -> Params | None:
        return None

    def render(self, p: Params, rng: random.Random) -> str:
        terms = ", ".join(map(str, terms_of(p["kind"], p["a"], p["b"], p["c"], p["count"])))
        return rng.choice(OPENERS).format(terms=terms, count=p["count"]) + " " + rng.choice(ASK)

    def parse(self, prompt: str) -> Params | None:
        match = _TERMS.search(prompt)
        if not match or "sequence" not in prompt or "term_10" not in prompt:
            return None
        terms = [int(t) for t in match.group(1).split(", ")]
        rule = detect(terms)
        if rule is None or len(set(terms)) < len(terms):
            return None
        kind, a, b, c = rule
        return {"kind": kind, "a": a, "b": b, "c": c, "count": len(terms)}

    def answer(self, p: Params) -> dict[str, int]:
        terms = terms_of(p["kind"], p["a"], p["b"], p["c"], 10)
        return {"next_term": terms[p["count"]], "term_10": terms[9]}

    def grading(self, p: Params) -> dict[str, Any]:
        return {"answer_type": "json", "schema": dict(SCHEMA)}

    def latent(self, p: Params) -> float:
        base = {"arithmetic": -0.9, "geometric": 1.2, "quadratic": 2.6, "fibonacci": 2.2}[p["kind"]]
        size = max(abs(t) for t in terms_of(p["kind"], p["a"], p["b"], p["c"], 10))
        return base + 0.25 * math.log10(size + 1) + (0.6 if p["b"] < 0 else 0.0)

    def mistakes(self, p: Params) -> list[Any]:
        t = terms_of(p["kind"], p["a"], p["b"], p["c"], 11)
        n = p["count"]
        linear = t[n - 1] + (t[n - 1] - t[n - 2])
        return [
            {"next_term": t[n], "term_10": t[8]},
            {"next_term": t[n], "term_10": t[10]},
            {"next_term": linear, "term_10": linear + (9 - n) * (t[n - 1] - t[n - 2])},
            {"next_term": t[n] + 1, "term_10": t[9]},
        ]

    def solution(self, p: Params) -> str:
        rule = {
            "arithmetic": f"add {p['b']} each time",
            "geometric": f"multiply by {p['b']} each time",
            "quadratic": f"second differences are constant ({2 * p['c']})",
            "fibonacci": "each term is the sum of the two before it",
        }[p["kind"]]
        t = terms_of(p["kind"], p["a"], p["b"], p["c"], 10)
        return f"Rule: {rule}. Terms 1-10: {', '.join(map(str, t))}. So the answer is {json.dumps(self.answer(p))}."


FAMILY = Sequences()
