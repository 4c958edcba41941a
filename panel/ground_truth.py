"""The panel's side of the ground-truth recipe's protocol: author, oracle/solver, realism judge, repairer."""

from __future__ import annotations

import json
import random
import re

from domain.graders import grade
from panel import flaws, tasks
from panel.protocol import handles, json_reply, p_correct, repair_request, user_text

JUDGE_FALSE_ALARMS = (
    "Some details seem implausible for a real-world setting.",
    "The question could be read in more than one way.",
)


def _field(text: str, name: str) -> str:
    found = re.search(rf"(?im)^\s*{name}\s*:\s*(.+?)\s*$", text)
    return found.group(1) if found else ""


def _bullets(text: str, heading: str) -> list[str]:
    found = re.search(rf"(?is){heading}[^\n]*\n((?:\s*- [^\n]*\n?)+)", text)
    return [line.strip()[2:] for line in found.group(1).splitlines() if line.strip()] if found else []


def _favorite(model: str, fam: tasks.Family, topic: str, rng: random.Random) -> tasks.Item:
    """The author's pet item for a task family (same numbers every time, whatever topic of the family or
    difficulty was asked for: mode collapse), reworded a little."""
    pet = tasks.generate(fam, random.Random(f"{model}|{fam.name}|favorite"), "medium", topic)
    again = tasks.solve(flaws.reword(pet.prompt, rng))
    return again if again is not None and again.answer == pet.answer else pet


@handles("ground_truth", "author")
def author(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    topic, difficulty = _field(text, "Topic") or "arithmetic", (_field(text, "Difficulty") or "medium").lower()
    fam = tasks.family_for(topic)
    flaw = flaws.pick_flaw(rng, _bullets(text, "Commonly missed"))
    if flaw == "favorite":
        item = _favorite(model, fam, topic, rng)
    else:
        item = tasks.generate(fam, rng, difficulty, topic, degenerate=flaw == "degenerate")
    return json_reply(json.dumps(flaws.inject(flaw, item, rng), ensure_ascii=False), flaw, rng, prose_below=0.45)


def styled(answer: object, prompt: str, rng: random.Random) -> str:
    """An answer written the way a model might: '$73.10', '1,083', fenced or compact JSON."""
    if isinstance(answer, dict):
        return json.dumps(answer, separators=(",", ":")) if rng.random() < 0.5 else json.dumps(answer)
    text = flaws.fmt(answer)
    if isinstance(answer, float) and "$" in prompt and rng.random() < 0.5:
        return f"${answer:,.2f}"
    if isinstance(answer, str) and answer.lstrip("-").isdigit() and abs(int(answer)) >= 1000 and rng.random() < 0.3:
        return f"{int(answer):,}"
    return text


def _solve(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    """Solve as a model does: a prompt with a sentence the task does not consume (and that does not give the
    answer away) is not pinned down, so each sample takes one of two readings, about half each: the plain one
    or the one that sentence opens (the same other answer for every solver). Skill applies within a reading."""
    prompt = user_text(messages)
    reading = tasks.read(prompt)
    item = reading.item
    if item is None:
        return "I could not work out what is being asked.\nANSWER: unknown"
    other = tasks.alternative(reading)
    target = other if other is not None and rng.random() < 0.5 else item.answer
    if rng.random() < p_correct(model, item.latent):
        if target is other:
            note = f"Taking '{tasks.unclear(reading)[0]}' into account changes the result."
            return f"{note}\nANSWER: {styled(target, prompt, rng)}"
        return f"{item.solution}\nANSWER: {styled(target, prompt, rng)}"
    # Half the slips are a common mistake (solvers share those), half an idiosyncratic one (they scatter).
    common = [m for m in tasks.mistakes(item.prompt) if m != target]
    wrong = rng.choice(common) if common and rng.random() < 0.5 else tasks.slip(target, rng)
    if grade(item.payload(), f"ANSWER: {flaws.fmt(wrong)}").ok:
        wrong = rng.choice(common or [target])  # a slip that lands inside the tolerance is no slip
    return f"Working through the steps carefully.\nANSWER: {styled(wrong, prompt, rng)}"


handles("ground_truth", "oracle")(_solve)
handles("ground_truth", "solve")(_solve)


@handles("ground_truth", "judge-realism")
def judge(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    """List the task's readings: two when a sentence is not consumed by the task (found nine times in ten, as a
    model would), one otherwise, with a small rate of false alarms on clear tasks."""
    prompt = user_text(messages).removeprefix("Task:").strip()
    if rng.random() < 0.01:
        return "Overall this looks like a reasonable task to me."  # prose instead of the requested JSON
    reading = tasks.read(prompt)
    vague = tasks.unclear(reading)
    item, other = reading.item, tasks.alternative(reading)
    if vague and item is not None and rng.random() < 0.9:
        readings = [
            f"Ignoring '{vague[0]}', the answer is {flaws.fmt(item.answer)}.",
            f"Applying '{vague[0]}', the answer becomes {flaws.fmt(item.answer if other is None else other)}.",
        ]
        reason = f"The sentence '{vague[0]}' leaves more than one reading."
        return json.dumps({"realistic": False, "readings": readings, "reason": reason})
    plain = ["The task as stated, read literally."]
    if not vague and rng.random() < 0.03:
        return json.dumps({"realistic": False, "readings": plain, "reason": rng.choice(JUDGE_FALSE_ALARMS)})
    return json.dumps(
        {"realistic": True, "readings": plain, "reason": "Clear, plausible, and has exactly one reading."}
    )


@handles("ground_truth", "repair")
def repairer(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    instruction, payload = repair_request(user_text(messages))
    if not isinstance(payload, dict):
        return "I could not find the item to repair."
    return json.dumps(flaws.repair(payload, instruction, rng), ensure_ascii=False)
