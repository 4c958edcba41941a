"""How the panel reads a request: model profiles, the bracketed role header, and a seeded RNG per request.

A recipe's system prompt starts with ``[assay:<recipe>:<role>]``; a hosted model simply follows the natural
language after it, the panel dispatches on it. Everything is a pure function of (model, messages, seed,
temperature): nothing is remembered between calls.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from domain.graders import extract_json

HEADER = re.compile(r"^\s*\[assay:([\w-]+):([\w-]+)\]")
SLOPE = 2.0  # how sharply a solver's accuracy falls as latent difficulty passes its skill


@dataclass(frozen=True)
class Profile:
    """A panel model: solving skill (on the latent difficulty scale) and its price per token."""

    skill: float
    input_cost: float
    output_cost: float


PROFILES: dict[str, Profile] = {
    "author": Profile(3.0, 1e-6, 2e-6),
    "repairer": Profile(3.0, 1e-6, 2e-6),
    "oracle": Profile(7.0, 3e-6, 6e-6),
    "judge-a": Profile(2.5, 5e-7, 1e-6),
    "judge-b": Profile(2.5, 4e-7, 8e-7),
    "judge-c": Profile(2.5, 6e-7, 1.2e-6),
    "solver-strong": Profile(3.4, 2e-6, 4e-6),
    "solver-mid": Profile(1.9, 5e-7, 1e-6),
    "solver-weak": Profile(0.6, 1e-7, 2e-7),
    "junk": Profile(-9.0, 1e-7, 1e-7),
}
DEFAULT = Profile(1.9, 0.0, 0.0)

Handler = Callable[[str, list[dict[str, str]], random.Random], str]
HANDLERS: dict[tuple[str, str], Handler] = {}
# Modules that register handlers for a recipe's headers. A third-party recipe adds its own through the
# "assay.panel" entry-point group (see docs/recipes.md).
MODULES: list[str] = ["panel.ground_truth", "panel.agent_step", "panel.rubric"]
ENTRY_POINT_GROUP = "assay.panel"
_loaded = False


def load_handlers() -> None:
    """Import every module that registers panel handlers (built-in, then entry points), once."""
    global _loaded
    if _loaded:
        return
    for module in MODULES:
        importlib.import_module(module)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        importlib.import_module(ep.value.split(":")[0])
    _loaded = True


def handles(recipe: str, role: str) -> Callable[[Handler], Handler]:
    """Register the panel's behaviour for one recipe role header."""

    def wrap(fn: Handler) -> Handler:
        HANDLERS[(recipe, role)] = fn
        return fn

    return wrap


def profile(model: str) -> Profile:
    return PROFILES.get(model.removeprefix("local/"), DEFAULT)


def p_correct(model: str, latent: float) -> float:
    """Chance a model solves an item of this latent difficulty: sigmoid(SLOPE * (skill - latent))."""
    return 1.0 / (1.0 + math.exp(-SLOPE * (profile(model).skill - latent)))


def rng_for(model: str, messages: list[dict[str, str]], seed: int | None, temperature: float | None) -> random.Random:
    """The request's own RNG. At temperature 0 the seed is ignored: greedy decoding repeats itself."""
    temp = 1.0 if temperature is None else float(temperature)
    key = [model, messages, None if temp == 0 else seed, round(temp, 4)]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def header(messages: list[dict[str, str]]) -> tuple[str, str] | None:
    for m in messages:
        if m.get("role") == "system":
            found = HEADER.match(str(m.get("content") or ""))
            return (found.group(1), found.group(2)) if found else None
    return None


def user_text(messages: list[dict[str, str]]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")


def missed_in(text: str) -> str:
    """The "Commonly missed" checklist bullets of an author's request, lower-cased ("" when there are none)."""
    found = re.search(r"(?is)Commonly missed[^\n]*\n((?:\s*- [^\n]*\n?)+)", text)
    return found.group(1).lower() if found else ""


def choose_flaw(
    rng: random.Random, checklist: str, rates: tuple[tuple[str, float], ...], words: Mapping[str, tuple[str, ...]]
) -> str:
    """The flaw an author's draft carries ("clean" for none): one draw against ``rates``; a checklist naming a
    problem (any of its ``words``) halves the author's rate of making it."""
    u = rng.random()
    for flaw, rate in rates:
        rate /= 2 if any(w in checklist for w in words.get(flaw, ())) else 1
        if u < rate:
            return flaw
        u -= rate
    return "clean"


def json_reply(body: str, flaw: str, rng: random.Random, prose_below: float = 0.3) -> str:
    """An author's JSON as a model writes it: cut short for the "truncated" flaw; otherwise, by one draw,
    fenced (below 0.3), prefaced with a sentence of prose (below ``prose_below``), or plain."""
    if flaw == "truncated":
        return body[: len(body) // 2]
    style = rng.random()
    if style < 0.3:
        return f"```json\n{body}\n```"
    return f"Here is the task you asked for.\n\n{body}" if style < prose_below else body


def repair_request(text: str) -> tuple[str, Any]:
    """A repairer's request "Instruction: ... Item: {json}" as (instruction, the item, or None if unreadable)."""
    instruction, found, item = text.partition("Item:")
    return instruction.removeprefix("Instruction:").strip(), extract_json(item if found else text)


JUNK = (
    "lorem ipsum dolor sit amet",
    "As an AI model I",
    '{"prompt": ',
    "<html><body>502 Bad Gateway",
    "asdf qwerty 12 ?? ok",
    "Sure! Here you go:\n```\n```",
)


def junk(rng: random.Random) -> str:
    return " ".join(rng.choice(JUNK) for _ in range(rng.randint(1, 3)))


def respond(model: str, messages: list[dict[str, str]], seed: int | None, temperature: float | None) -> str:
    """The panel's reply text for one chat request."""
    load_handlers()
    rng = rng_for(model, messages, seed, temperature)
    name = model.removeprefix("local/")
    if name == "junk":
        return junk(rng)
    key = header(messages)
    handler = HANDLERS.get(key) if key else None
    if handler is None:
        return "I can only answer requests that follow a known Assay recipe protocol."
    return handler(name, messages, rng)
