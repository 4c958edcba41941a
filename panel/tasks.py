"""Task families the offline panel can write and solve: generate from a seed, re-derive truth from the text.

A family turns random parameters into a prompt and parses any of its prompts back into the parameters, so
every panel role (author, oracle, solvers, judge, repairer) knows the true answer without shared memory.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from domain.graders import extract_json, grade, numbers_in
from panel.family import Family, Params

_SENTENCE = re.compile(r"(?<=[.?!)])\s+(?=[A-Z(\"$])")
RENDERINGS = 48  # wordings drawn per task to learn its template's own sentences (each family has a few dozen)


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


def jitter(text: str, spread: float = 0.6) -> float:
    """A stable per-text offset in [-spread, spread]: items of one recipe still differ in difficulty."""
    h = int.from_bytes(hashlib.sha256(" ".join(text.split()).encode()).digest()[:4], "big")
    return (h / 0xFFFFFFFF * 2 - 1) * spread


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


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at ., ? or ! followed by a capital, a bracket, a quote or a dollar sign)."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


@dataclass(frozen=True)
class Reading:
    """How a family reads a prompt: the task it parses to, the sentences that carry that task (``core``) and
    the ones it does not consume (``extra``: dropping one leaves the family and parameters unchanged, and it is
    neither the template's own wording nor the closing question)."""

    family: Family | None
    params: Params | None
    core: str
    extra: tuple[str, ...] = ()

    @property
    def item(self) -> Item | None:
        """The task as the core sentences state it (None when no family parses the prompt)."""
        if self.family is None or self.params is None:
            return None
        return build(self.family, self.params, self.core)


def _parse(text: str) -> tuple[str, str] | None:
    found = identify(text)
    return (found[0].name, _key(found[1])) if found else None


def _key(p: Params) -> str:
    return json.dumps(p, sort_keys=True, default=str)


@functools.lru_cache(maxsize=4096)
def _template(name: str, key: str) -> frozenset[str]:
    """Every sentence the family itself writes for these parameters, over many of its wordings."""
    fam = next(f for f in _families() if f.name == name)
    p = json.loads(key)
    return frozenset(s for i in range(RENDERINGS) for s in sentences(fam.render(p, random.Random(i))))


@functools.lru_cache(maxsize=4096)
def read(prompt: str) -> Reading:
    """The generic reading of ``prompt``. When the whole prompt does not parse, the fewest sentences (up to two)
    whose removal lets it parse count as extra; then every remaining sentence is dropped in turn, and it is
    extra when the parse (family and parameters) stays the same without it and it is not template wording."""
    parts = sentences(prompt)
    kept: list[int] | None = None
    parsed = None
    for drop in range(min(3, len(parts))):
        for gone in itertools.combinations(range(len(parts)), drop):
            rest = [i for i in range(len(parts)) if i not in gone]
            parsed = _parse(" ".join(parts[i] for i in rest))
            if parsed is not None:
                kept = rest
                break
        if kept is not None:
            break
    if kept is None or parsed is None:
        return Reading(None, None, prompt)
    for i in list(kept):
        if i == len(parts) - 1 and parts[i].endswith("?"):
            continue  # the closing question is what the task asks, in whatever words
        rest = [j for j in kept if j != i]
        if rest and _parse(" ".join(parts[j] for j in rest)) == parsed and parts[i] not in _template(*parsed):
            kept = rest
    core = " ".join(parts[i] for i in kept)
    found = identify(core)
    assert found is not None  # the core parses to ``parsed`` by construction
    extra = tuple(parts[i] for i in range(len(parts)) if i not in kept)
    return Reading(found[0], found[1], core, extra)


def states_answer(item: Item, sentence: str) -> bool:
    """Whether ``sentence`` gives away the item's answer: a number (or JSON object) in it is graded correct."""
    payload = item.payload()
    data = extract_json(sentence)
    if isinstance(data, dict):
        return grade(payload, f"ANSWER: {json.dumps(data)}").ok
    return any(grade(payload, f"ANSWER: {fmt(x)}").ok for x in numbers_in(sentence))


def unclear(reading: Reading) -> tuple[str, ...]:
    """The extra sentences that do not state the answer: each leaves the task open to another reading."""
    item = reading.item
    if item is None:
        return ()
    return tuple(s for s in reading.extra if not states_answer(item, s))


def alternative(reading: Reading) -> Any:
    """The answer of the other reading an unclear sentence opens: one plausible different value, chosen by a
    hash of the core task and its unclear sentences, so every solver and sample that takes it agrees."""
    vague = unclear(reading)
    wrong = mistakes(reading.core) if vague else []
    if not wrong:
        return None
    key = "|".join((" ".join(reading.core.split()), *vague))
    return wrong[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(wrong)]


def slip(answer: Any, rng: random.Random) -> Any:
    """An idiosyncratic wrong value near ``answer`` (a carried digit, a dropped term): unlike ``mistakes``, which
    solvers share, these scatter, as the slips of a skilled-but-fallible model on a long calculation do."""
    if isinstance(answer, dict):
        key = rng.choice(sorted(answer))
        return {**answer, key: slip(answer[key], rng)}
    if isinstance(answer, str):
        return str(slip(int(answer), rng)) if answer.lstrip("-").isdigit() else answer
    step = rng.choice((-1, 1)) * rng.randint(2, 97)
    if isinstance(answer, int):
        return answer + step
    return round(float(answer) * (1 + step / 1000), 2)
