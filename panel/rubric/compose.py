"""Building tasks and writing outputs for them: what the author, writer and solvers of the rubric panel share.

``compose(task, broken)`` writes the output that meets every requirement of the task except the ones in
``broken``; a good output breaks none. ``parse(prompt)`` reads a task back from its prompt.
"""

from __future__ import annotations

import random

from domain.rubric import criteria_from, overlaps
from panel.rubric.families import FAMILIES, OPENINGS, Family
from panel.rubric.world import KINDS, Req, Task, canonical, req_from_line, round_up, unit, words

COUNT = {"easy": 5, "medium": 7, "hard": 9}  # requirements per task
MARGIN = {"easy": 40, "medium": 22, "hard": 6}  # words of slack under the word limit
FILLER = (
    "We wanted to put every detail in one place for you.",
    "Thank you for taking the time to read this in full.",
    "Please keep this message for your records.",
    "More details will follow in the coming days.",
)
REFUND = "We will also refund the full price to your card."
DISCOUNT = "As a thank-you, enjoy a 15% discount on your next purchase."


def family_for(topic: str) -> Family:
    """The family of a topic; an unknown topic maps to one by a stable hash."""
    key = topic.strip().lower()
    names = sorted(FAMILIES)
    return FAMILIES.get(key) or FAMILIES[names[int(unit(key) * len(names))]]


def build(fam: Family, rng: random.Random, difficulty: str, variant: int | None = None) -> Task:
    """A fresh task of the family: one requirement of each type first, then more up to the difficulty's count.
    A careful author: facts whose criteria would read alike (a shared number) are drawn again."""
    for _ in range(20):
        task = _build(fam, rng, difficulty, variant)
        if not overlaps(criteria_from([r.row() for r in task.reqs]), 0.55):
            break
    return task


def _build(fam: Family, rng: random.Random, difficulty: str, variant: int | None) -> Task:
    texts, pool = fam.make(rng)
    chosen: list[Req] = []
    for kind_type in ("instruction-following", "outcome", "process", "grounding-and-safety"):
        chosen.append(rng.choice([r for r in pool if KINDS[r.kind].type == kind_type]))
    rest = [r for r in pool if r not in chosen]
    chosen += rng.sample(rest, max(0, min(len(rest), COUNT.get(difficulty, 7) - len(chosen))))
    reqs = tuple(r for r in pool if r in chosen)  # the pool's order reads naturally
    text = texts[rng.randrange(len(texts)) if variant is None else variant % len(texts)]
    task = Task(fam.name, text, reqs)
    if task.find("limit") is None:
        return task
    return task.with_limit(round_up(words(compose(task, set())) + MARGIN.get(difficulty, 20)))


def parse(prompt: str) -> Task | None:
    """The task a prompt describes: its family (from the opening words) and its requirement lines."""
    text = canonical(prompt)
    fam = next((f for opening, f in OPENINGS.items() if text.startswith(opening)), None)
    if fam is None:
        return None
    head, _, tail = text.partition("Requirements:")
    reqs = tuple(r for line in tail.splitlines() if (r := req_from_line(line)) is not None)
    return Task(fam.name, head.strip(), reqs)


def latent(task: Task) -> float:
    """Latent difficulty on the solvers' skill scale: more requirements and a tight word limit make it harder;
    the rest is a property of the task's wording (a stable hash)."""
    value = 0.5 * (len(task.reqs) - 5)
    limit = task.find("limit")
    if limit is not None and limit.value.isdigit() and int(limit.value) - words(compose(task, set())) < 12:
        value += 0.7
    return value + (unit("latent", task.prompt) * 2 - 1) * 1.1


def _list(label: str, items: tuple[str, ...], style: str) -> list[str]:
    head = f"{label[0].upper()}{label[1:]}:"
    if style == "numbered":
        return [head, *(f"{i}. {item}" for i, item in enumerate(items, 1))]
    if style == "bullets":
        return [head, *(f"- {item}" for item in items)]
    return [f"{head} {' '.join(items)}"]


def compose(task: Task, broken: set[int]) -> str:
    """The output meeting every requirement of ``task`` except those at the indexes in ``broken``."""
    fam = FAMILIES[task.family]
    state: dict[str, tuple[Req, bool]] = {}
    for i, r in enumerate(task.reqs):
        state.setdefault(r.kind, (r, i not in broken))

    def met(kind: str) -> bool | None:
        return state[kind][1] if kind in state else None

    lines = ["Subject: " + fam.subject] if met("subject") else []
    greeting = state.get("greeting")
    lines.append(f"{greeting[0].value}," if greeting and greeting[1] else f"{fam.greeting},")
    body = [fam.apology if met("apology") else fam.opener]
    for i, r in enumerate(task.reqs):
        if r.kind in ("fact", "cite") and i not in broken:
            body.append(fam.sentences.get(r.label, f"The {r.label} is {{v}}.").format(v=r.value))
    if met("apology") is False:
        body.append(fam.apology)  # late, not first
    if met("secret") is False:
        body.append(fam.secret.format(v=state["secret"][0].value))
    body += [text for kind, text in (("refund", REFUND), ("discount", DISCOUNT)) if met(kind) is False]
    if met("calm") is False:
        body[0] = body[0].rstrip(".") + "!"  # the same words, louder
    lines.append(" ".join(body))
    order = list(fam.lists)
    if met("sequence") is False:
        order.reverse()
    for label in order:
        style = (
            "numbered"
            if met("numbered") and state["numbered"][0].label == label
            else "bullets"
            if met("bullets") and state["bullets"][0].label == label
            else "prose"
        )
        lines += _list(label, fam.lists[label], style)
    lines.append(fam.closing)
    limit = state.get("limit")
    if limit and not limit[1] and limit[0].value.isdigit():
        extra = 0
        while words("\n".join(lines)) <= int(limit[0].value) + 4:  # clearly over, not by one word
            lines.insert(-1, FILLER[extra % len(FILLER)])
            extra += 1
    signoff = state.get("signoff")
    lines += ["Best,", signoff[0].value] if signoff and signoff[1] else ["Best regards,", "The team"]
    return "\n".join(lines)
