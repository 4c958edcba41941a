"""The planted-flaw author of bench/validity.py: a litellm custom provider "validity", apart from the demo panel.

``validity/author`` answers the ground-truth recipe's author requests. It draws a task from the offline
panel's families (so the stock ``local/*`` solvers, oracle and judge can work on it; it borrows the panel's
text surgery too: where a sentence goes, how a solution's last number changes) and, at a known rate,
plants one flaw in wording of its own that appears nowhere in the gates' or the panel's code
(tests/unit/test_validity_wording.py checks that). Each draft's plant is appended as one JSON line to the file
named by ``ASSAY_VALIDITY_LOG``, keyed by the hash of the prompt it wrote, so the bench can tell afterwards
what was planted where. Environment:
  ASSAY_VALIDITY_LOG    where plants are recorded (required)
  ASSAY_VALIDITY_RATE   share of drafts that carry a flaw (default 0.5)

Load it with ``ASSAY_LLM_PROVIDERS=panel.provider,validity_author`` and ``bench/`` on PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import time
from typing import Any

from num2words import num2words

from panel import flaws, tasks
from recipes.ground_truth import items

PROVIDER = "validity"
FAMILIES = (
    "wrong_reference",
    "lenient_grader",
    "leak",
    "ambiguity",
    "renamed_duplicate",
    "one_renamed_duplicate",
    "paraphrase_duplicate",
)

# Ambiguity in new wording: each leaves the task open to a second reading.
AMBIGUITY = (
    "Whether the figures above were already adjusted is not something the record makes clear.",
    "The supervisor and the clerk disagree on whether one of those steps actually happened.",
    "Some people would count the final change, others would leave it out.",
    "Nobody wrote down if the last entry replaced the earlier one or came on top of it.",
    "It may or may not include a correction that was applied afterwards.",
    "Half the team reads the first figure as a total, the other half as a per-item amount.",
    "Depending on the team's habit, the starting figure might already be out of date.",
    "One of the entries could have been logged twice by mistake.",
    "Which of the two measuring standards applies here was never agreed.",
    "There is some doubt about whether the opening value is gross or net.",
    "Readers differ on whether the final step should be applied at all.",
    "A later memo hints that part of this was undone, without saying which part.",
)
# A leak: the answer stated in the prompt, in one of several written forms.
LEAK = (
    "Spoiler: everything comes to {a} in the end.",
    "(The answer key for this exercise says {a}.)",
    "A colleague already worked it out as {a}.",
    "You should land on {a} if you do it right.",
    "Our records show the outcome was {a}.",
    "Tip from the instructor: the target figure is {a}.",
    "The checked result, for what it is worth, is {a}.",
    "Last year's key listed {a} for this one.",
)
LEAK_FORMS = ("digits", "separators", "words", "currency", "scaled")
WRONG_KINDS = ("little", "rounding", "units")

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_lock = threading.Lock()
_emitted: list[str] = []  # prompts of earlier clean drafts this process wrote: the duplicates' sources
_templates: list[frozenset[tuple[str, str]]] = []  # masked bigrams of every prompt already written
FRESH_BELOW = 0.8  # a clean draft's template similarity to every earlier one stays below this


def masked(text: str) -> str:
    return " ".join(_NUMBER.sub("#", text.lower()).split())


def bigrams(text: str) -> frozenset[tuple[str, str]]:
    """Word bigrams of the number-masked text (the bench's own template measure, not the gates')."""
    words = re.findall(r"[a-z#]+", masked(text))
    return frozenset(zip(words, words[1:], strict=False))


def template_similarity(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _field(text: str, name: str) -> str:
    found = re.search(rf"(?im)^\s*{name}\s*:\s*(.+?)\s*$", text)
    return found.group(1) if found else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def _like(reference: Any, value: float) -> Any:
    """``value`` in the reference's type: a string for exact answers, an int for integers."""
    if isinstance(reference, str):
        return str(int(round(value)))
    if isinstance(reference, int) and not isinstance(reference, bool):
        return int(round(value))
    return round(value, 4)


def _off(value: float, kind: str, rng: random.Random, integral: bool) -> float:
    if kind == "little":
        return value + rng.choice((-1, 1)) * (rng.choice((1, 2)) if integral else max(0.05, abs(value) * 0.02))
    if kind == "rounding":
        rounded = round(value, -1) if integral or abs(value) >= 100 else float(round(value))
        return rounded if rounded != value else value + (10 if integral else 1)
    return value * rng.choice((1000, 100, 0.01))


def wrong_reference(item: tasks.Item, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]] | None:
    payload, kind = item.payload(), rng.choice(WRONG_KINDS)
    if isinstance(item.answer, dict):
        key = rng.choice(sorted(item.answer))
        old = _number(item.answer[key])
        if old is None:
            return None
        wrong: Any = {**item.answer, key: _like(item.answer[key], _off(old, kind, rng, True))}
    else:
        old = _number(item.answer)
        if old is None:
            return None
        wrong = _like(item.answer, _off(old, kind, rng, item.answer_type != "numeric"))
    if items.accepts(payload, wrong):
        return None  # the change hides inside the tolerance: not a wrong reference
    payload.update(answer=wrong, solution=flaws.conclude(item.solution, wrong))
    return payload, {"variant": kind, "wrong": wrong, "truth": item.answer}


def lenient_grader(item: tasks.Item, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]] | None:
    payload = item.payload()
    if item.answer_type == "json":
        keys = sorted(payload["schema"])
        if len(keys) < 2:
            return None
        dropped = rng.choice(keys)
        payload["schema"] = {k: v for k, v in payload["schema"].items() if k != dropped}
        old = _number(item.answer[dropped])
        wrongs: list[Any] = [{**item.answer, dropped: (old or 0) + 3}]
        variant = "schema missing a key"
    else:
        value = _number(item.answer)
        if value is None:
            return None
        variant = rng.choice(("wide tolerance", "wide relative tolerance"))
        payload["answer_type"], payload["answer"] = "numeric", value
        if variant == "wide tolerance":
            payload["tolerance"] = round(max(1.5, abs(value) * 0.08), 2)
        else:
            payload["rel_tolerance"] = 0.12
        wrongs = [value + 1, value * 1.05, value - 1]
    wrongs = [w for w in wrongs if not items.accepts(item.payload(), w)]
    if not any(items.accepts(payload, w) for w in wrongs):
        return None
    return payload, {"variant": variant, "wrongs": wrongs}


def _written(value: Any, form: str, prompt: str) -> str | None:
    number = _number(value)
    if number is None:
        return None
    whole = number.is_integer()
    if form == "digits":
        return tasks.fmt(value)
    if form == "separators":
        return f"{int(number):,}" if whole and abs(number) >= 1000 else None
    if form == "words":  # num2words drops the sign of a negative fraction (-0.07 -> "zero point zero seven")
        words = str(num2words(int(abs(number)) if whole else abs(number)))
        return f"minus {words}" if number < 0 else words
    if form == "currency":
        return f"${number:,.2f}" if "$" in prompt or "dollar" in prompt.lower() else None
    if form == "scaled":
        return f"{tasks.fmt(number / 1000)} thousand" if whole and abs(number) >= 1000 and number % 10 else None
    return None


def leak(item: tasks.Item, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]] | None:
    payload = item.payload()
    value = item.answer[rng.choice(sorted(item.answer))] if isinstance(item.answer, dict) else item.answer
    forms = [f for f in LEAK_FORMS if _written(value, f, item.prompt)]
    form = rng.choice(forms)
    sentence = rng.choice(LEAK).format(a=_written(value, form, item.prompt))
    payload["prompt"] = flaws.insert_before_question(item.prompt, sentence)
    return payload, {"variant": form, "sentence": sentence}


def ambiguity(item: tasks.Item, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]] | None:
    payload, sentence = item.payload(), rng.choice(AMBIGUITY)
    payload["prompt"] = flaws.insert_before_question(item.prompt, sentence)
    return payload, {"sentence": sentence}


def _renumber(prompt: str, rng: random.Random, every: bool) -> str | None:
    """The prompt with every number (or one) changed, when the panel still reads it as a task of its family."""
    found = list(_NUMBER.finditer(prompt))
    before = tasks.identify(prompt)
    if not found or before is None:
        return None
    for _ in range(30):
        factor, shift = rng.choice((2, 3, 5)), rng.randint(2, 9)
        how = rng.choice(("each", "scale", "shift")) if every else "each"
        chosen = range(len(found)) if every else [rng.randrange(len(found))]
        text, moved = prompt, 0
        for i in sorted(chosen, reverse=True):
            m = found[i]
            raw = m.group().replace(",", "")
            value = float(raw)
            decimals = len(raw.split(".")[1]) if "." in raw else 0
            if how == "scale":
                new = value * factor
            elif how == "shift":
                new = value + shift
            else:
                new = value + rng.choice((-1, 1)) * max(1, round(abs(value) * rng.uniform(0.1, 0.4)))
            out = f"{new:.{decimals}f}" if decimals else str(int(round(new)))
            if out == raw or new <= 0:
                break
            text, moved = text[: m.start()] + out + text[m.end() :], moved + 1
        else:
            again = tasks.identify(text)
            if moved and again is not None and again[0].name == before[0].name:
                return text
    return None


def _duplicate(kind: str, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]] | None:
    with _lock:
        pool = list(_emitted)
    if not pool:
        return None
    source = rng.choice(pool)
    if kind == "paraphrase_duplicate":
        found = tasks.identify(source)
        if found is None:
            return None
        fam, p = found
        text = next((t for t in (fam.render(p, rng) for _ in range(20)) if masked(t) != masked(source)), None)
    else:
        text = _renumber(source, rng, every=kind == "renamed_duplicate")
    item = tasks.solve(text) if text else None
    if item is None:
        return None
    return item.payload(), {"source": source}


PLANT = {
    "wrong_reference": wrong_reference,
    "lenient_grader": lenient_grader,
    "leak": leak,
    "ambiguity": ambiguity,
}


def _fresh(fam: Any, rng: random.Random, difficulty: str, topic: str) -> tuple[tasks.Item, float]:
    """A clean task unlike every template this author wrote before (a team's author is asked for something
    clearly different): drawn from the requested family, else from another one when that family's wordings
    are used up. Returns the task and its highest template similarity to an earlier one."""
    others = [f for f in tasks.families() if f.name != fam.name]
    best: tuple[tasks.Item, float] | None = None
    for attempt in range(80):
        source = fam if attempt < 40 else rng.choice(others)
        item = tasks.generate(source, rng, difficulty, topic)
        grams = bigrams(item.prompt)
        nearest = max((template_similarity(grams, t) for t in _templates), default=0.0)
        if best is None or nearest < best[1]:
            best = (item, nearest)
        if nearest < FRESH_BELOW:
            break
    assert best is not None
    return best


def key(prompt: str) -> str:
    return hashlib.sha256(" ".join(prompt.split()).encode()).hexdigest()[:24]


def write(messages: list[dict[str, str]], seed: Any) -> str:
    """One author draft (JSON) for a request; records what it planted."""
    text = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
    digest = hashlib.sha256(json.dumps([messages, seed], sort_keys=True, default=str).encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    topic, difficulty = _field(text, "Topic") or "arithmetic", (_field(text, "Difficulty") or "medium").lower()
    fam = tasks.family_for(topic)
    rate = float(os.environ.get("ASSAY_VALIDITY_RATE") or 0.5)
    family = rng.choice(FAMILIES) if rng.random() < rate else "clean"
    planted: tuple[dict[str, Any], dict[str, Any]] | None = None
    with _lock:
        item, nearest = _fresh(fam, rng, difficulty, topic)
    if family in PLANT:
        planted = PLANT[family](item, rng)
    elif family != "clean":
        planted = _duplicate(family, rng)
    if planted is None:
        family, planted = "clean", (item.payload(), {"template_repeat": nearest >= 0.9})
    payload, detail = planted
    with _lock:
        if family == "clean":
            _emitted.append(payload["prompt"])
        # The task under a planted sentence counts too: a repair that removes the sentence leaves it bare.
        _templates.extend({bigrams(payload["prompt"]), bigrams(item.prompt)})
        with open(os.environ["ASSAY_VALIDITY_LOG"], "a", encoding="utf-8") as fh:
            row = {"key": key(payload["prompt"]), "family": family, "payload": payload, **detail}
            fh.write(json.dumps(row, default=str) + "\n")
    return json.dumps(payload, ensure_ascii=False)


def _handler_class(litellm: Any) -> type:
    class Author(litellm.CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            params = kwargs.get("optional_params") or {}
            plain = [{"role": str(m.get("role")), "content": str(m.get("content") or "")} for m in messages]
            if "[assay:ground_truth:author]" not in plain[0]["content"]:
                body = "The validity author only writes ground-truth tasks."
            else:
                body = write(plain, params.get("seed"))
            return litellm.ModelResponse(
                model=f"{PROVIDER}/{model}",
                created=int(time.time()),
                choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": body}}],
                usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            )

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return self.completion(model, messages, *args, **kwargs)

    return Author


def register(litellm: Any) -> None:
    """Register the "validity" provider with litellm (idempotent)."""
    others = [p for p in (litellm.custom_provider_map or []) if p.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": _handler_class(litellm)()}]
    litellm.register_model(
        {
            f"{PROVIDER}/author": {
                "litellm_provider": PROVIDER,
                "mode": "chat",
                "max_tokens": 4096,
                "input_cost_per_token": 0.0,
                "output_cost_per_token": 0.0,
            }
        }
    )
