"""The offline panel's side of "reverse_word": an author that picks words, solvers that slip on long ones."""

from __future__ import annotations

import json
import random
import re

from panel.protocol import handles, p_correct, user_text

WORDS = {
    4: ["lamp", "frog", "mint", "dusk", "kite", "wolf", "pear", "cove"],
    7: ["blanket", "chimney", "lantern", "harvest", "journey", "pelican", "thunder", "compass"],
    11: ["thermometer", "marshmallow", "grasshopper", "bookkeepers", "watermelons", "playgrounds"],
}


@handles("reverse_word", "author")
def author(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    found = re.search(r"Letters:\s*(\d+)", user_text(messages))
    letters = int(found.group(1)) if found else 7
    if rng.random() < 0.1:
        return "Here is a nice word for you!"  # junk now and then: an honest DraftFailed
    return json.dumps({"word": rng.choice(WORDS.get(letters, WORDS[7]))})


@handles("reverse_word", "solver")
def solver(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    word = user_text(messages).rsplit(":", 1)[-1].strip()
    if rng.random() < p_correct(model, len(word) / 3.0):
        return word[::-1]
    i = rng.randrange(max(1, len(word) - 1))
    slipped = word[::-1]
    return slipped[:i] + slipped[i + 1 : i + 2] + slipped[i] + slipped[i + 2 :]  # two letters swapped
