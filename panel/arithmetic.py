"""Family "arithmetic": a running stock count over several deliveries and shipments (exact integer answer)."""

from __future__ import annotations

import math
import random
import re
from typing import Any

from panel.family import Params, num

PLACES = [
    ("warehouse", "boxes"),
    ("school library", "books"),
    ("bakery", "bread rolls"),
    ("hardware depot", "bolts"),
    ("garden centre", "seed packets"),
    ("bike shop", "inner tubes"),
    ("food bank", "cans"),
    ("print shop", "posters"),
    ("toy store", "puzzles"),
    ("pharmacy", "bandage packs"),
]
ADD = ("receives", "takes in", "gets")
REMOVE = ("ships", "sends out", "sells")
CONTAINERS = ("crates", "cartons", "pallets", "bundles")
OPENERS = (
    "A {place} starts the day with {n} {items}.",
    "At opening time, a {place} starts the day with {n} {items} in stock.",
    "The stock room of a {place} starts the day with {n} {items}.",
)
LINKS = ("Then it", "Next, it", "After that, it", "Later it", "Before noon it", "In the afternoon it")
QUESTIONS = (
    "How many {items} does it have at the end of the day?",
    "How many {items} are left when it closes?",
    "What is the final count of {items}?",
)
_OP = re.compile(r"\b(" + "|".join(ADD + REMOVE) + r") (\d[\d,]*) (?:(" + "|".join(CONTAINERS) + r") of (\d[\d,]*) )?")
_START = re.compile(r"starts the day with (\d[\d,]*) ([a-z ]+?)(?: in stock)?\.")
_PLACE = re.compile(r"(?:A|a) ([a-z ]+?) starts the day")
SIZES = {"easy": (2, 20, 99, 5, 40, 0), "medium": (3, 100, 999, 10, 150, 1), "hard": (5, 1000, 9999, 20, 900, 2)}


def _fmt(n: int) -> str:
    return f"{n:,}" if n >= 10000 else str(n)


class Arithmetic:
    name = "arithmetic"
    topics = ("arithmetic", "stock counting", "word problems")

    def params(self, rng: random.Random, difficulty: str, topic: str) -> Params:
        steps, lo, hi, qlo, qhi, batches = SIZES.get(difficulty, SIZES["medium"])
        steps += rng.randint(0, 1)
        count = rng.randint(lo, hi)
        place = rng.randrange(len(PLACES))
        ops: list[list[Any]] = []
        total = count
        batch_at = set(rng.sample(range(steps), min(batches, steps)))
        for i in range(steps):
            add = total < qhi or rng.random() < 0.5
            if i in batch_at:
                n, m = rng.randint(2, 12), rng.randint(max(2, qlo // 2), max(3, qhi // 6))
                if not add and n * m > total:
                    add = True
                ops.append(["+" if add else "-", n, m])
                total += (1 if add else -1) * n * m
            else:
                q = rng.randint(qlo, qhi)
                if not add and q > total:
                    add = True
                ops.append(["+" if add else "-", q, 0])
                total += q if add else -q
        return {"place": place, "start": count, "ops": ops}

    def degenerate(self, rng: random.Random, difficulty: str, topic: str) -> Params | None:
        p = self.params(rng, difficulty, topic)
        left = self.answer(p)
        p["ops"].append(["-", int(left), 0])  # the last shipment empties the stock: the answer is 0
        return p if int(left) > 0 else None

    def render(self, p: Params, rng: random.Random) -> str:
        place, items = PLACES[p["place"]]
        parts = [rng.choice(OPENERS).format(place=place, n=_fmt(p["start"]), items=items)]
        for sign, a, b in p["ops"]:
            verb = rng.choice(ADD if sign == "+" else REMOVE)
            what = f"{_fmt(a)} {rng.choice(CONTAINERS)} of {_fmt(b)} {items} each" if b else f"{_fmt(a)} {items}"
            parts.append(f"{rng.choice(LINKS)} {verb} {what}.")
        parts.append(rng.choice(QUESTIONS).format(items=items))
        return " ".join(parts)

    def parse(self, prompt: str) -> Params | None:
        start, place = _START.search(prompt), _PLACE.search(prompt)
        if not start or not place:
            return None
        names = [p for p, _ in PLACES]
        where = place.group(1)
        if where not in names:
            return None
        ops = [
            ["+" if verb in ADD else "-", int(num(a)), int(num(b)) if b else 0]
            for verb, a, _, b in _OP.findall(prompt[start.end() :])
        ]
        return {"place": names.index(where), "start": int(num(start.group(1))), "ops": ops} if ops else None

    def answer(self, p: Params) -> str:
        total = p["start"]
        for sign, a, b in p["ops"]:
            total += (1 if sign == "+" else -1) * (a * b if b else a)
        return str(total)

    def grading(self, p: Params) -> dict[str, Any]:
        return {"answer_type": "exact"}

    def latent(self, p: Params) -> float:
        biggest = max([p["start"]] + [max(a, b) for _, a, b in p["ops"]])
        batches = sum(1 for _, _, b in p["ops"] if b)
        return -2.2 + 0.45 * len(p["ops"]) + 0.45 * math.log10(biggest + 1) + 0.35 * batches

    def mistakes(self, p: Params) -> list[Any]:
        truth = int(self.answer(p))
        out = [truth + 1, truth - 1, truth + 10, truth - 10]
        for sign, a, b in p["ops"]:
            effect = a * b if b else a
            out.append(truth - (effect if sign == "+" else -effect))  # skipped a step
            out.append(truth - 2 * (effect if sign == "+" else -effect))  # wrong direction
            if b:
                out.append(truth - (a * b - (a + b)) * (1 if sign == "+" else -1))  # added instead of multiplied
        return [str(x) for x in out]

    def solution(self, p: Params) -> str:
        terms = [str(p["start"])]
        for sign, a, b in p["ops"]:
            terms.append(f"{sign} {a}×{b}" if b else f"{sign} {a}")
        return f"{' '.join(terms)} = {self.answer(p)}"


FAMILY = Arithmetic()
