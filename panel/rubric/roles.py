"""The rubric panel's role handlers: author, writer, judge (grading), realism judge, solvers and repairer."""

from __future__ import annotations

import json
import random
import re

from panel.protocol import handles, json_reply, p_correct, repair_request, user_text
from panel.rubric import author as flaws
from panel.rubric.checks import verdict
from panel.rubric.compose import build, compose, family_for, latent, parse
from panel.rubric.repair import repair
from panel.rubric.world import KINDS, contrived

CAPTURED_SLIP = 0.15  # chance the captured output (an ordinary model's response) misses each requirement
FALSE_ALARMS = ("A real team would not send a brief worded like this.", "The brief reads like a test, not a task.")


def _field(text: str, name: str) -> str:
    found = re.search(rf"(?im)^\s*{name}\s*:\s*(.+?)\s*$", text)
    return found.group(1) if found else ""


@handles("rubric", "author")
def author(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    fam, difficulty = family_for(_field(text, "Topic")), (_field(text, "Difficulty") or "medium").lower()
    flaw = flaws.pick_flaw(rng, text)
    if flaw == "favorite":  # mode collapse: the author's pet task for the family, whatever was asked
        task = build(fam, random.Random(f"{model}|{fam.name}|favorite"), "medium", variant=rng.randrange(2))
    else:
        task = build(fam, rng, difficulty)
    slips = {i for i in range(len(task.reqs)) if rng.random() < CAPTURED_SLIP}
    item = {"prompt": task.prompt, "output": compose(task, slips), "criteria": [r.row() for r in task.reqs]}
    flaws.apply(flaw, item, rng)
    return json_reply(json.dumps(item, ensure_ascii=False), flaw, rng)


@handles("rubric", "writer")
def writer(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    task = parse(text.split("Task:", 1)[-1].strip())
    if task is None or not task.reqs:
        return "I could not find the requirements of this task."
    count = int(_field(text, "Flawed responses") or 3)
    flawed = []
    for _ in range(count):
        broken = set(rng.sample(range(len(task.reqs)), min(len(task.reqs), 1 if rng.random() < 0.7 else 2)))
        flawed.append({"flaw": "; ".join(task.reqs[i].flaw for i in sorted(broken)), "output": compose(task, broken)})
    return json.dumps({"good": compose(task, set()), "flawed": flawed}, ensure_ascii=False)


@handles("rubric", "judge")
def judge(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    if rng.random() < 0.002:
        return "The response looks fine to me overall."  # prose instead of the requested JSON
    found = re.search(r"<response>\n(.*)\n</response>", text, re.S)
    output = found.group(1) if found else ""
    criteria = re.findall(r"(?m)^\d+\. (.+)$", text.split("Criteria:", 1)[-1])
    return json.dumps({"present": [verdict(model, c, output) for c in criteria]})


@handles("rubric", "judge-realism")
def realism(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    prompt = user_text(messages).removeprefix("Task:").strip()
    if rng.random() < 0.01:
        return "This seems like a perfectly ordinary brief."  # prose instead of the requested JSON
    odd = contrived(prompt)
    if odd and rng.random() < 0.9:
        return json.dumps({"realistic": False, "reason": f"The sentence '{odd[0]}' is contrived."})
    if not odd and rng.random() < 0.03:
        return json.dumps({"realistic": False, "reason": rng.choice(FALSE_ALARMS)})
    return json.dumps({"realistic": True, "reason": "A plausible brief a real team could send."})


@handles("rubric", "solve")
def solve(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    task = parse(user_text(messages))
    if task is None:
        return "Thanks for your message. I will get back to you soon."
    hard = latent(task)
    broken = {i for i, r in enumerate(task.reqs) if rng.random() >= p_correct(model, hard + KINDS[r.kind].offset)}
    return compose(task, broken)


@handles("rubric", "repair")
def repairer(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    instruction, item = repair_request(user_text(messages))
    if not isinstance(item, dict):
        return "I could not find the item to repair."
    return json.dumps(repair(item, instruction, rng), ensure_ascii=False)
