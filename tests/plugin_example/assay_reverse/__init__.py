"""A minimal third-party recipe, "reverse_word": reverse a word, graded by exact match.

It lives outside the assay packages and is found only through its entry points (see the dist-info folder
beside it), exactly as a pip-installed plug-in would be. docs/recipes.md walks through it.
"""

from __future__ import annotations

import json
from typing import Any

from domain.facts import Receipt
from recipes.base import Attempt, Context, Draft, DraftError, GateOutcome
from recipes.shared_gates import NoveltyGate, ProbeGate

SYSTEM_AUTHOR = (
    "[assay:reverse_word:author] You write one word-reversal task. Reply with JSON only: "
    '{"word": "<one lower-case English word>"}.'
)
SYSTEM_SOLVER = "[assay:reverse_word:solver] Reverse the word you are given. Reply with the reversed word only."
LETTERS = {"easy": 4, "medium": 7, "hard": 11}


def _problems(payload: dict[str, Any]) -> list[str]:
    word, answer = payload.get("word"), payload.get("answer")
    if not isinstance(word, str) or not word.isalpha():
        return [f"word must be letters only (got {word!r})"]
    if answer != word[::-1]:
        return [f"answer must be the word reversed (got {answer!r})"]
    return []


class Construct:
    """Schema: a word of letters, and the reference answer is that word reversed. No model."""

    name, reads = "construct", frozenset({"word", "answer"})

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        errors = _problems(payload)
        return GateOutcome("fail", f"malformed item ({errors[0]})") if errors else GateOutcome("pass")


class Final:
    """The last re-check before the review queue: still well formed, and not a palindrome (too easy to game)."""

    name, reads = "final", frozenset({"word", "answer"})

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        if errors := _problems(payload):
            return GateOutcome("fail", f"final check: malformed item ({errors[0]})")
        if payload["word"] == payload["answer"]:
            return GateOutcome("fail", "final check: a palindrome is its own answer")
        return GateOutcome("pass")


class ReverseWord:
    """The recipe object: payload schema, generation, ordered gates, probe attempt, render."""

    name = "reverse_word"
    probe_gate = "difficulty"

    def __init__(self, uppercase: bool = False) -> None:
        self.uppercase = uppercase
        self.gates = [
            Construct(),
            NoveltyGate(self.novelty_text, frozenset({"word"})),
            ProbeGate(frozenset({"word", "answer"})),
            Final(),
        ]

    def validate(self, payload: dict[str, Any]) -> list[str]:
        return _problems(payload)

    async def draft(self, ctx: Context) -> Draft:
        difficulty = ctx.coordinate.get("difficulty", "medium")
        user = f"Difficulty: {difficulty}\nLetters: {LETTERS.get(difficulty, 7)}"
        reply = await ctx.call(
            "author",
            [{"role": "system", "content": SYSTEM_AUTHOR}, {"role": "user", "content": user}],
            seed=ctx.seed,
            temperature=1.0,
        )
        try:
            word = str(json.loads(reply.text)["word"])
        except (ValueError, KeyError, TypeError):
            raise DraftError("author returned no usable word", [reply.receipt]) from None
        word = word.upper() if self.uppercase else word
        return Draft(
            {"word": word, "answer": word[::-1], "prompt": f"Reverse the word: {word}", "difficulty": difficulty},
            [reply.receipt],
        )

    async def repair(
        self, payload: dict[str, Any], instruction: str, ctx: Context
    ) -> tuple[dict[str, Any], list[Receipt]]:
        return dict(payload), []  # no gate here asks for repair

    async def attempt(
        self, payload: dict[str, Any], model: str, sample: int, seed: int, temperature: float, ctx: Context
    ) -> Attempt:
        messages = [{"role": "system", "content": SYSTEM_SOLVER}, {"role": "user", "content": payload["prompt"]}]
        reply = await ctx.call("panel", messages, model=model, sample=sample, seed=seed, temperature=temperature)
        answer = reply.text.strip()
        return Attempt(correct=answer == payload["answer"], answer=answer[:100], receipt=reply.receipt)

    def novelty_text(self, payload: dict[str, Any]) -> str:
        return str(payload.get("word", ""))

    def render(self, payload: dict[str, Any]) -> str:
        return f"### Task\n\n{payload.get('prompt', '')}\n\n**Answer:** `{payload.get('answer', '')}`"
