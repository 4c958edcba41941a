"""Family "percentages": sale prices, percent change and compound interest (numeric, tolerance one cent)."""

from __future__ import annotations

import math
import random
import re
from typing import Any

from panel.family import Params, num

ITEMS = (
    "winter jacket",
    "desk lamp",
    "pair of running shoes",
    "coffee grinder",
    "backpack",
    "bookshelf",
    "electric kettle",
    "office chair",
    "tent",
    "blender",
)
THINGS = (
    ("The monthly visitor count of a museum", "visitors"),
    ("A town's population", "residents"),
    ("The subscriber count of a newsletter", "subscribers"),
    ("A bakery's weekly sales", "loaves"),
    ("The number of members of a sports club", "members"),
    ("A café's daily orders", "orders"),
)
FREQ = {"annually": 1, "quarterly": 4, "monthly": 12}
_PRICE = re.compile(r"\$(\d[\d,]*\.\d{2})")
_OFF = re.compile(r"(\d+(?:\.\d+)?)% off")
_TAX = re.compile(r"(\d+(?:\.\d+)?)% sales tax")
_FROM = re.compile(r"from (\d[\d,]*) (?:[a-z]+ )?to (\d[\d,]*)")
_RATE = re.compile(r"(\d+(?:\.\d+)?)% (?:annual interest|a year)")
_FREQ = re.compile(r"compounded (annually|quarterly|monthly)")
_YEARS = re.compile(r"after (\d+) years")


class Percentages:
    name = "percentages"
    topics = ("percentages", "percent", "discounts", "interest", "finance")

    def params(self, rng: random.Random, difficulty: str, topic: str) -> Params:
        kind = rng.choice(
            {
                "easy": ("sale", "sale", "change"),
                "medium": ("sale", "change", "compound"),
                "hard": ("sale", "compound", "compound"),
            }.get(difficulty, ("sale", "change"))
        )
        hard = difficulty == "hard"
        if kind == "sale":
            offs = [rng.choice((10, 15, 20, 25, 30, 40))]
            if hard:
                offs.append(rng.choice((5, 10, 15)))
            tax = 0.0 if difficulty == "easy" else rng.choice((5.0, 6.5, 7.25, 8.0, 8.875))
            price = rng.randint(15, 99) + 0.99 if difficulty == "easy" else rng.randint(2000, 60000) / 100
            return {"kind": kind, "item": rng.randrange(len(ITEMS)), "price": price, "offs": offs, "tax": tax}
        if kind == "change":
            a = rng.randint(200, 900) * (10 if difficulty != "easy" else 1)
            b = round(a * rng.uniform(0.6, 1.5))
            return {"kind": kind, "thing": rng.randrange(len(THINGS)), "a": a, "b": b if b != a else a + 7}
        freq = "annually" if difficulty != "hard" else rng.choice(("quarterly", "monthly"))
        return {
            "kind": "compound",
            "principal": float(rng.randint(20, 500) * 50),
            "rate": rng.choice((2.5, 3.0, 3.2, 4.0, 4.5, 5.25)),
            "freq": freq,
            "years": rng.randint(2, 3) if not hard else rng.randint(4, 12),
        }

    def degenerate(self, rng: random.Random, difficulty: str, topic: str) -> Params | None:
        a = rng.randint(200, 900) * 10
        return {"kind": "change", "thing": rng.randrange(len(THINGS)), "a": a, "b": a}  # no change: 0%

    def render(self, p: Params, rng: random.Random) -> str:
        if p["kind"] == "sale":
            item = ITEMS[p["item"]]
            a = "an" if item[0] in "aeiou" else "a"
            text = rng.choice(
                (
                    f"{a.capitalize()} {item} is priced at ${p['price']:.2f}.",
                    f"The list price of {a} {item} is ${p['price']:.2f}.",
                    f"A shop sells {a} {item} for ${p['price']:.2f}.",
                )
            )
            text += f" It is on sale at {p['offs'][0]}% off."
            for extra in p["offs"][1:]:
                text += f" At the till, a loyalty coupon takes a further {extra}% off the reduced price."
            if p["tax"]:
                text += f" A {p['tax']:g}% sales tax is then added to the discounted price."
            return (
                text
                + " "
                + rng.choice(
                    (
                        "How much does the customer pay, in dollars, rounded to the cent?",
                        "What is the final price in dollars, to the nearest cent?",
                    )
                )
            )
        if p["kind"] == "change":
            thing, unit = THINGS[p["thing"]]
            opener = rng.choice(
                (
                    f"{thing} went from {p['a']:,} {unit} to {p['b']:,}.",
                    f"Over one year, {thing[0].lower() + thing[1:]} changed from {p['a']:,} {unit} to {p['b']:,}.",
                )
            )
            return (
                opener
                + " "
                + rng.choice(
                    (
                        "By what percentage did it change? "
                        "Give the answer to two decimal places, negative for a decrease.",
                        "What was the percentage change, to two decimal places (negative if it fell)?",
                    )
                )
            )
        opener = rng.choice(
            (
                f"${p['principal']:,.2f} is deposited in a savings account paying {p['rate']:g}% "
                f"annual interest, compounded {p['freq']}.",
                f"An investor puts ${p['principal']:,.2f} into an account that earns {p['rate']:g}% "
                f"a year, compounded {p['freq']}.",
            )
        )
        return (
            opener + f" No other deposits or withdrawals are made. What is the balance after {p['years']} "
            "years, in dollars, rounded to the cent?"
        )

    def parse(self, prompt: str) -> Params | None:
        if (freq := _FREQ.search(prompt)) and (rate := _RATE.search(prompt)) and (years := _YEARS.search(prompt)):
            price = _PRICE.search(prompt)
            return {
                "kind": "compound",
                "principal": num(price.group(1)) if price else 0.0,
                "rate": float(rate.group(1)),
                "freq": freq.group(1),
                "years": int(years.group(1)),
            }
        offs, price = _OFF.findall(prompt), _PRICE.search(prompt)
        if offs and price:
            tax = _TAX.search(prompt)
            item = next((i for i, name in enumerate(ITEMS) if name in prompt), 0)
            return {
                "kind": "sale",
                "item": item,
                "price": num(price.group(1)),
                "offs": [float(o) if "." in o else int(o) for o in offs],
                "tax": float(tax.group(1)) if tax else 0.0,
            }
        change = _FROM.search(prompt)
        if change and "percentage" in prompt:
            thing = next((i for i, (t, _) in enumerate(THINGS) if t[1:] in prompt), 0)
            return {"kind": "change", "thing": thing, "a": int(num(change.group(1))), "b": int(num(change.group(2)))}
        return None

    def answer(self, p: Params) -> float:
        if p["kind"] == "sale":
            price = p["price"] * math.prod(1 - o / 100 for o in p["offs"]) * (1 + p["tax"] / 100)
            return round(price + 1e-9, 2)
        if p["kind"] == "change":
            return round((p["b"] - p["a"]) / p["a"] * 100 + 1e-9, 2)
        m = FREQ[p["freq"]]
        return round(p["principal"] * (1 + p["rate"] / 100 / m) ** (m * p["years"]) + 1e-9, 2)

    def grading(self, p: Params) -> dict[str, Any]:
        return {"answer_type": "numeric", "tolerance": 0.01}

    def latent(self, p: Params) -> float:
        if p["kind"] == "sale":
            return -1.0 + (0.9 if p["tax"] else 0.0) + 0.9 * (len(p["offs"]) - 1) + 0.25 * math.log10(p["price"])
        if p["kind"] == "change":
            return 0.3 + 0.3 * math.log10(p["a"])
        return 1.1 + 0.9 * math.log(FREQ[p["freq"]] + 1, 13) + 0.12 * p["years"]

    def mistakes(self, p: Params) -> list[Any]:
        if p["kind"] == "sale":
            added = p["price"] * (1 - sum(p["offs"]) / 100 + p["tax"] / 100)
            no_tax = p["price"] * math.prod(1 - o / 100 for o in p["offs"])
            tax_on_list = no_tax + p["price"] * p["tax"] / 100
            saved = p["price"] * (1 - math.prod(1 - o / 100 for o in p["offs"]))  # the discount, not the price
            raised = p["price"] * math.prod(1 + o / 100 for o in p["offs"])  # added instead of taken off
            return [round(x, 2) for x in (added, no_tax, tax_on_list, no_tax * (1 + p["tax"] / 10), saved, raised)]
        if p["kind"] == "change":
            a, b = p["a"], p["b"]
            return [round((b - a) / b * 100, 2), round((a - b) / a * 100, 2), round(b / a * 100, 2)]
        m, r, n, pr = FREQ[p["freq"]], p["rate"] / 100, p["years"], p["principal"]
        return [
            round(x, 2)
            for x in (
                pr * (1 + r * n),
                pr * (1 + r) ** n,
                pr * (1 + r / m) ** (m * (n - 1)),
                pr * (1 + r / m) ** (m * n) - pr,
            )
        ]

    def solution(self, p: Params) -> str:
        if p["kind"] == "sale":
            steps = " × ".join([f"{p['price']:.2f}"] + [f"(1 - {o}%)" for o in p["offs"]])
            return steps + (f" × (1 + {p['tax']:g}%)" if p["tax"] else "") + f" = {self.answer(p):.2f}"
        if p["kind"] == "change":
            return f"({p['b']} - {p['a']}) / {p['a']} × 100 = {self.answer(p):.2f}%"
        m = FREQ[p["freq"]]
        return f"{p['principal']:.2f} × (1 + {p['rate']:g}%/{m})^({m}×{p['years']}) = {self.answer(p):.2f}"


FAMILY = Percentages()
