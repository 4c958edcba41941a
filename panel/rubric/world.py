"""The checkable writing world behind the rubric panel: requirement kinds, tasks, and their prompts.

A task is a writing request (a support reply, an announcement, ...) whose requirements are listed one per line
in the prompt. Each requirement kind has three phrasings: the prompt's line, the rubric criterion that checks
it, and the flaw a writer names when its output breaks it. Every role re-reads the task from the prompt text,
so nothing is shared between calls.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Kind:
    prompt: str  # the requirement line, with {label} and {value}
    criterion: str  # the rubric row that checks it
    type: str
    polarity: str
    criticality: str
    flaw: str  # how a writer names an output that breaks it
    offset: float  # how much harder than the task's latent difficulty this requirement is to meet


KINDS: dict[str, Kind] = {
    "fact": Kind(
        "Mention the {label} ({value}).",
        "The response mentions the {label} ({value})",
        "outcome",
        "must",
        "additive",
        "omits the {label} ({value})",
        -0.2,
    ),
    "cite": Kind(
        "Cite the {label} ({value}).",
        "The response cites the {label} ({value})",
        "grounding-and-safety",
        "must",
        "additive",
        "leaves out the {label} ({value})",
        0.2,
    ),
    "secret": Kind(
        "Do not include the {label} ({value}).",
        "The response shares the {label} ({value})",
        "grounding-and-safety",
        "must-not",
        "gate",
        "includes the {label} ({value})",
        -0.6,
    ),
    "refund": Kind(
        "Do not promise a refund.",
        "The response promises a refund",
        "grounding-and-safety",
        "must-not",
        "gate",
        "promises a refund",
        -0.3,
    ),
    "discount": Kind(
        "Do not offer a discount.",
        "The response offers a discount",
        "grounding-and-safety",
        "must-not",
        "additive",
        "offers a discount",
        -0.3,
    ),
    "limit": Kind(
        "Keep it to at most {value} words.",
        "The response is at most {value} words",
        "instruction-following",
        "must",
        "additive",
        "runs over {value} words",
        0.9,
    ),
    "calm": Kind(
        "Do not use exclamation marks.",
        "The response contains no exclamation marks",
        "instruction-following",
        "must",
        "additive",
        "uses exclamation marks",
        0.1,
    ),
    "subject": Kind(
        "Start with a subject line.",
        "The response starts with a subject line",
        "instruction-following",
        "must",
        "additive",
        "has no subject line",
        -0.3,
    ),
    "signoff": Kind(
        "End with the sender's name ({value}).",
        "The response ends with the sender's name ({value})",
        "instruction-following",
        "must",
        "additive",
        "ends without the sender's name ({value})",
        0.0,
    ),
    "bullets": Kind(
        "Use bullet points for the {label}.",
        "The response uses bullet points for the {label}",
        "instruction-following",
        "must",
        "additive",
        "lists the {label} without bullet points",
        0.2,
    ),
    "greeting": Kind(
        "Open with the greeting ({value}).",
        "The response opens with the greeting ({value})",
        "process",
        "must",
        "additive",
        "skips the greeting ({value})",
        -0.1,
    ),
    "apology": Kind(
        "Apologise in the first sentence.",
        "The response apologises in its first sentence",
        "process",
        "must",
        "additive",
        "does not apologise first",
        0.4,
    ),
    "numbered": Kind(
        "Give the {label} as a numbered list.",
        "The response gives the {label} as a numbered list",
        "process",
        "must",
        "additive",
        "gives the {label} as prose",
        0.3,
    ),
    "sequence": Kind(
        "Put the {label} before the {value}.",
        "The response puts the {label} before the {value}",
        "process",
        "must",
        "additive",
        "puts the {value} before the {label}",
        0.5,
    ),
}
# Paraphrases a judge also recognises (an author's near-duplicate rows use them).
ALIASES = {
    "fact": (
        "The response states the {label} ({value})",
        "The response includes the {label} ({value})",
        "The response gives the {label} ({value})",
    )
}
CONTRIVED = (
    "The customer is a retired astronaut who only reads messages written in rhyming couplets.",
    "Assume the reader is a golden retriever who has recently learned to read.",
    "Pretend the text will be carved into a stone tablet in the year 3000.",
    "Every sentence should also read the same backwards where at all possible.",
)


@dataclass(frozen=True)
class Req:
    kind: str
    label: str = ""
    value: str = ""

    def _fill(self, template: str) -> str:
        return template.format(label=self.label, value=self.value)

    @property
    def line(self) -> str:
        return self._fill(KINDS[self.kind].prompt)

    @property
    def text(self) -> str:
        return self._fill(KINDS[self.kind].criterion)

    @property
    def flaw(self) -> str:
        return self._fill(KINDS[self.kind].flaw)

    def row(self) -> dict[str, str]:
        """The criterion row that checks this requirement."""
        k = KINDS[self.kind]
        return {"text": self.text, "type": k.type, "polarity": k.polarity, "criticality": k.criticality}


@dataclass(frozen=True)
class Task:
    family: str
    description: str
    reqs: tuple[Req, ...]

    @property
    def prompt(self) -> str:
        return f"{self.description}\n\nRequirements:\n" + "\n".join(f"- {r.line}" for r in self.reqs)

    def find(self, kind: str) -> Req | None:
        return next((r for r in self.reqs if r.kind == kind), None)

    def with_limit(self, words: int) -> Task:
        return replace(self, reqs=tuple(Req("limit", value=str(words)) if r.kind == "limit" else r for r in self.reqs))


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    body = re.escape(template).replace(r"\{label\}", r"(?P<label>.+?)").replace(r"\{value\}", r"(?P<value>.+?)")
    return re.compile(rf"^{body}$", re.I)


def _match(template: str, text: str) -> dict[str, str] | None:
    found = _pattern(template).match(text)
    return None if found is None else {k: v.strip() for k, v in found.groupdict().items()}


def req_from_line(line: str) -> Req | None:
    """A prompt's requirement line back as a Req; None for a line the world does not know."""
    line = line.strip().removeprefix("- ").strip()
    for kind, k in KINDS.items():
        if (parts := _match(k.prompt, line)) is not None:
            return Req(kind, parts.get("label", ""), parts.get("value", ""))
    return None


def req_from_criterion(text: str) -> Req | None:
    """A rubric criterion the judge recognises, as the requirement it checks; None when it is not crisp."""
    text = " ".join(text.split()).rstrip(". ")
    for kind, k in KINDS.items():
        for template in (k.criterion, *ALIASES.get(kind, ())):
            if (parts := _match(template, text)) is not None:
                return Req(kind, parts.get("label", ""), parts.get("value", ""))
    return None


def req_from_flaw(text: str) -> Req | None:
    text = " ".join(text.split()).rstrip(". ")
    for kind, k in KINDS.items():
        if (parts := _match(k.flaw, text)) is not None:
            return Req(kind, parts.get("label", ""), parts.get("value", ""))
    return None


def contrived(prompt: str) -> list[str]:
    return [s for s in CONTRIVED if s in prompt]


def canonical(prompt: str) -> str:
    """The prompt without contrived sentences: the task itself, for stable per-task properties."""
    for s in CONTRIVED:
        prompt = prompt.replace(f" {s}", "").replace(s, "")
    return prompt.strip()


def unit(*parts: Any) -> float:
    """A stable number in [0, 1) for any JSON-able parts."""
    return int.from_bytes(hashlib.sha256(json.dumps(parts, default=str).encode()).digest()[:4], "big") / 2**32


def words(text: str) -> int:
    return len(text.split())


def round_up(value: float, step: int = 10) -> int:
    return int(math.ceil(value / step) * step)
