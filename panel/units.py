"""Family "unit conversion": length, mass, volume, temperature, speed, fuel economy (numeric, relative tolerance)."""

from __future__ import annotations

import math
import random
import re
from typing import Any

from panel.family import Params, num

# (category, from, to, factor, offset, tier): value_to = value_from * factor + offset; tier 0 common .. 2 obscure
PAIRS: list[tuple[str, str, str, float, float, int]] = [
    ("length", "kilometres", "miles", 1 / 1.609344, 0.0, 0),
    ("length", "miles", "kilometres", 1.609344, 0.0, 0),
    ("length", "metres", "feet", 1 / 0.3048, 0.0, 1),
    ("length", "inches", "centimetres", 2.54, 0.0, 0),
    ("length", "nautical miles", "kilometres", 1.852, 0.0, 2),
    ("length", "yards", "metres", 0.9144, 0.0, 1),
    ("mass", "kilograms", "pounds", 1 / 0.45359237, 0.0, 0),
    ("mass", "pounds", "kilograms", 0.45359237, 0.0, 1),
    ("mass", "ounces", "grams", 28.349523125, 0.0, 1),
    ("mass", "stone", "kilograms", 6.35029318, 0.0, 2),
    ("volume", "litres", "US gallons", 1 / 3.785411784, 0.0, 1),
    ("volume", "US gallons", "litres", 3.785411784, 0.0, 1),
    ("volume", "US cups", "millilitres", 236.5882365, 0.0, 2),
    ("volume", "cubic feet", "litres", 28.316846592, 0.0, 2),
    ("temperature", "degrees Celsius", "degrees Fahrenheit", 1.8, 32.0, 0),
    ("temperature", "degrees Fahrenheit", "degrees Celsius", 5 / 9, -160 / 9, 1),
    ("temperature", "degrees Fahrenheit", "kelvin", 5 / 9, 273.15 - 160 / 9, 2),
    ("speed", "miles per hour", "kilometres per hour", 1.609344, 0.0, 0),
    ("speed", "kilometres per hour", "metres per second", 1 / 3.6, 0.0, 1),
    ("speed", "miles per hour", "metres per second", 0.44704, 0.0, 2),
    ("speed", "knots", "miles per hour", 1.150779448, 0.0, 2),
    ("area", "square feet", "square metres", 0.09290304, 0.0, 2),
    ("area", "acres", "hectares", 0.40468564224, 0.0, 2),
]
UNITS = sorted({u for p in PAIRS for u in p[1:3]}, key=len, reverse=True)
_UNIT = re.compile(r"\b(" + "|".join(map(re.escape, UNITS)) + r")\b")
_VALUE = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*$")
_PLACES = re.compile(r"(\d|one|two|three) decimal places?")
WORDS = {"one": 1, "two": 2, "three": 3}
NAMES = {v: k for k, v in WORDS.items()}
CONTEXT = {
    "length": "a hiking trail",
    "mass": "a parcel",
    "volume": "a water tank",
    "temperature": "a lab sample",
    "speed": "a delivery drone",
    "area": "a garden plot",
}


class Units:
    name = "unit conversion"
    topics = (
        "unit conversion",
        "unit conversions",
        "units",
        "conversion",
        "length",
        "mass",
        "volume",
        "temperature",
        "speed",
        "area",
    )

    def params(self, rng: random.Random, difficulty: str, topic: str) -> Params:
        tiers = {"easy": (0,), "medium": (0, 1), "hard": (1, 2)}.get(difficulty, (0, 1))
        pool = [i for i, p in enumerate(PAIRS) if p[5] in tiers and (topic not in CONTEXT or p[0] == topic)]
        pool = pool or [i for i, p in enumerate(PAIRS) if topic not in CONTEXT or p[0] == topic]
        pair = rng.choice(pool)
        if difficulty == "easy":
            value = float(rng.randint(2, 250))
        else:
            value = round(rng.uniform(1.5, 400 if difficulty == "hard" else 120), 1 if difficulty == "medium" else 2)
        if PAIRS[pair][0] == "temperature" and rng.random() < 0.4:
            value = -value
        return {"pair": pair, "value": value, "places": {"easy": 1, "medium": 2}.get(difficulty, rng.choice((2, 3)))}

    def degenerate(self, rng: random.Random, difficulty: str, topic: str) -> Params | None:
        """A conversion whose answer is 0: freezing point in Celsius, absolute zero, or a value too small to
        survive the rounding asked for."""
        p = self.params(rng, difficulty, topic)
        _, src, dst, factor, offset, _ = PAIRS[p["pair"]]
        if offset:
            p["value"] = {"degrees Celsius": 32.0, "kelvin": -459.67}.get(dst) if src != "degrees Celsius" else None
        else:
            p["value"] = round(rng.uniform(0.1, 0.45) * 10 ** -p["places"] / factor, p["places"] + 2)
        return p if p["value"] and self.answer(p) == 0 else None

    def render(self, p: Params, rng: random.Random) -> str:
        cat, src, dst, *_ = PAIRS[p["pair"]]
        v, k = f"{p['value']:g}", p["places"]
        places = f"{NAMES[k]} decimal place{'s' if k > 1 else ''}"
        return rng.choice(
            (
                f"Convert {v} {src} to {dst}. Give the result to {places}.",
                f"How many {dst} is {v} {src}? Round to {places}.",
                f"The reading for {CONTEXT[cat]} is {v} {src}. Express it in {dst}, rounded to {places}.",
            )
        )

    def parse(self, prompt: str) -> Params | None:
        found = [(m.start(), m.group(1)) for m in _UNIT.finditer(prompt)]
        places = _PLACES.search(prompt)
        src = [(u, _VALUE.search(prompt[:pos])) for pos, u in found]
        with_value = [(u, m) for u, m in src if m]
        if len(found) < 2 or not with_value or not places:
            return None
        unit, value = with_value[0]
        others = [u for _, u in found if u != unit]
        pair = next((i for i, p in enumerate(PAIRS) if p[1] == unit and p[2] in others), None)
        if pair is None:
            return None
        k = places.group(1)
        return {"pair": pair, "value": num(value.group(1)), "places": int(WORDS.get(k, k))}

    def answer(self, p: Params) -> float:
        _, _, _, factor, offset, _ = PAIRS[p["pair"]]
        return round(p["value"] * factor + offset, p["places"]) + 0.0  # never -0.0

    def grading(self, p: Params) -> dict[str, Any]:
        return {"answer_type": "numeric", "tolerance": round(0.5 * 10 ** -p["places"], 6), "rel_tolerance": 0.002}

    def latent(self, p: Params) -> float:
        tier, cat = PAIRS[p["pair"]][5], PAIRS[p["pair"]][0]
        decimals = len(f"{p['value']:g}".partition(".")[2])
        return (
            -1.3
            + 1.2 * tier
            + 0.4 * decimals
            + 0.25 * p["places"]
            + (0.6 if cat == "temperature" else 0.0)
            + 0.2 * math.log10(abs(p["value"]) + 1)
        )

    def mistakes(self, p: Params) -> list[Any]:
        _, _, _, factor, offset, _ = PAIRS[p["pair"]]
        v, k = p["value"], p["places"]
        out = [
            v / factor - offset if factor else v,
            v * factor,
            v * round(factor, 1) + offset,
            round(v * factor + offset),
            v * factor + offset * 1.1 if offset else v * factor * 1.1,
        ]
        if not offset:
            out.append(v * factor * 1000)  # a unit-prefix slip (metres for kilometres)
        return [round(x, k) for x in out]

    def solution(self, p: Params) -> str:
        _, src, dst, factor, offset, _ = PAIRS[p["pair"]]
        shift = f" + {offset:.4g}" if offset else ""
        return f"{p['value']:g} {src} × {factor:.6g}{shift} = {self.answer(p)} {dst}"


FAMILY = Units()
