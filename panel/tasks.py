"""Task families the offline panel can write and solve: generate from a seed, re-derive truth from the text.

A family turns random parameters into a prompt and parses any of its prompts back into the parameters, so
every panel role (author, oracle, solvers, judge, repairer) knows the true answer without shared memory.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.graders import grade

Params = dict[str, Any]


@dataclass(frozen=True)
class Item:
    """A generated task: prompt, true answer and how a program grades it."""

    family: str
    prompt: str
    answer: Any
    answer_type: str
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    schema: dict[str, str] = field(default_factory=dict)
    solution: str = ""
    latent: float = 0.0

    def payload(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "answer": self.answer,
            "answer_type": self.answer_type,
            "tolerance": self.tolerance,
            "rel_tolerance": self.rel_tolerance,
            "schema": dict(self.schema),
            "solution": self.solution,
        }


class Family(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def topics(self) -> tuple[str, ...]: ...

    def params(self, rng: random.Random, difficulty: str, topic: str) -> Params: ...
    def degenerate(self, rng: random.Random, difficulty: str, topic: str) -> Params | None: ...
    def render(self, p: Params, rng: random.Random) -> str: ...
    def parse(self, prompt: str) -> Params | None: ...
    def answer(self, p: Params) -> Any: ...
    def grading(self, p: Params) -> dict[str, Any]: ...
    def latent(self, p: Params) -> float: ...
    def mistakes(self, p: Params) -> list[Any]: ...
    def solution(self, p: Params) -> str: ...


def jitter(text: str, spread: float = 0.6) -> float:
    """A stable per-text offset in [-spread, spread]: items of one recipe still differ in difficulty."""
    h = int.from_bytes(hashlib.sha256(" ".join(text.split()).encode()).digest()[:4], "big")
    return (h / 0xFFFFFFFF * 2 - 1) * spread


def num(text: str) -> float:
    return float(text.replace(",", "").replace("$", ""))


def _families() -> list[Family]:
    from panel import arithmetic, percentages, sequences, units

    # Order matters for identification: the most specific templates first.
    return [sequences.FAMILY, percentages.FAMILY, arithmetic.FAMILY, units.FAMILY]


def families() -> list[Family]:
    return _families()


def family_for(topic: str) -> Family:
    """The family that writes tasks for ``topic``; unknown topics map to a family by a stable hash."""
    key = topic.strip().lower()
    fams = _families()
    for fam in fams:
        if key == fam.name or key in fam.topics:
            return fam
    return fams[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(fams)]


def identify(prompt: str) -> tuple[Family, Params] | None:
    """The family and parameters behind a prompt, or None when the text follows no known template."""
    for fam in _families():
        try:
            p = fam.parse(prompt)
        except (ValueError, ZeroDivisionError, IndexError, KeyError):
            p = None
        if p is not None:
            return fam, p
    return None


def latent(fam: Family, p: Params, prompt: str) -> float:
    """Latent difficulty on the solvers' skill scale: the family's estimate, stretched, plus per-text jitter."""
    return round(1.5 * fam.latent(p) - 0.3 + jitter(prompt, 1.0), 4)


def build(fam: Family, p: Params, prompt: str) -> Item:
    return Item(
        family=fam.name,
        prompt=prompt,
        answer=fam.answer(p),
        solution=fam.solution(p),
        latent=latent(fam, p, prompt),
        **fam.grading(p),
    )


def generate(fam: Family, rng: random.Random, difficulty: str, topic: str = "", degenerate: bool = False) -> Item:
    """A fresh task whose prompt parses back to the same answer (re-drawn until it does)."""
    for _ in range(50):
        p = (fam.degenerate(rng, difficulty, topic) if degenerate else None) or fam.params(rng, difficulty, topic)
        prompt = fam.render(p, rng)
        back = fam.parse(prompt)
        if back is not None and fam.answer(back) == fam.answer(p):
            return build(fam, back, prompt)
    raise RuntimeError(f"family {fam.name} could not produce a self-consistent task")


def solve(prompt: str) -> Item | None:
    """Re-derive the task (and its true answer) from the prompt text alone."""
    found = identify(prompt)
    if found is None:
        return None
    fam, p = found
    return build(fam, p, prompt)


def fmt(answer: Any) -> str:
    """An answer as a model would write it on its final line."""
    if isinstance(answer, dict):
        return json.dumps(answer)
    if isinstance(answer, float):
        return f"{answer:.6f}".rstrip("0").rstrip(".")
    return str(answer)


def mistakes(prompt: str) -> list[Any]:
    """Plausible wrong answers for a prompt (the errors a solver typically makes), all graded wrong."""
    found = identify(prompt)
    if found is None:
        return []
    fam, p = found
    item = build(fam, p, prompt).payload()
    out: list[Any] = []
    for m in fam.mistakes(p):
        if m not in out and not grade(item, f"ANSWER: {fmt(m)}").ok:
            out.append(m)
    return out
