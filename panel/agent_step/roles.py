"""The agent-step panel's role handlers: author, oracle/solvers, realism judge and repairer.

Solvers' accuracy depends on the step: plan, retrieve, validate and report sit near the ceiling for strong
models; "tool call" (refund the damaged item, not the order) and "handoff" (recall the playbook's policy)
collapse for every solver, and "write" sits in between.
"""

from __future__ import annotations

import json
import math
import random
import re

from domain.actions import format_action, normalise_name
from panel.agent_step.desk import Ticket, because, fill, goal, mistakes, ticket, truth, unit, world_step
from panel.agent_step.flaws import AMBIGUOUS, LEAKS, draft, pick_flaw, stubborn
from panel.protocol import handles, json_reply, profile, repair_request, user_text

LATENT = {
    "plan": -0.1,
    "retrieve": 1.2,
    "tool call": 3.5,
    "validate": 0.7,
    "write": 2.9,
    "handoff": 3.8,
    "report": 1.0,
}  # on the solvers' skill scale (panel.protocol.PROFILES)
SLOPE = 1.0  # flatter than the task panel's: weak solvers still manage the easy steps
COUNT = {"easy": 3, "medium": 5, "hard": 7}  # actions on offer


def _field(text: str, name: str) -> str:
    found = re.search(rf"(?im)^\s*{name}\s*:\s*(.+?)\s*$", text)
    return found.group(1) if found else ""


def read(text: str) -> tuple[Ticket, str, list[str], float] | None:
    """A solve request's ticket, step, action names and latent difficulty, or None when there is no ticket."""
    number = re.search(r"\bT-(\d{4,6})\b", text)
    if number is None:
        return None
    step = re.search(r"(?im)^Current step:\s*(.+?)\s*\(step", text)
    step_name = world_step(step.group(1) if step else "")
    names = re.findall(r"(?m)^- ([A-Za-z_][\w.\-]*)\(", text)
    hard = LATENT[step_name] + 0.3 * (len(names) - 5) + 0.6 * any(s in text for s in AMBIGUOUS)
    latent = -2.5 if len(names) <= 2 else hard + (unit(text) * 2 - 1) * 0.5
    return ticket(int(number.group(1))), step_name, names, latent


def _solve(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    found = read(user_text(messages))
    if found is None:
        return 'I cannot tell which ticket this is.\nACTION: ask_customer {"question": "Which order is this?"}'
    t, step, names, latent = found
    right = truth(t, step)
    if rng.random() < 1.0 / (1.0 + math.exp(-SLOPE * (profile(model).skill - latent))):
        return f"Reading the transcript, the {step} step calls for {right[0]}.\n{format_action(*right)}"
    wrong = mistakes(t, step, names) or [("ask_customer", fill(t, "ask_customer"))]
    near = [m for m in wrong if m[0] == right[0]]
    pick = rng.choice(near if near and rng.random() < 0.6 else wrong)
    return f"Taking the obvious next step.\n{format_action(*pick)}"


handles("agent_step", "oracle")(_solve)
handles("agent_step", "solve")(_solve)


@handles("agent_step", "author")
def author(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    step = world_step(_field(text, "Step"))
    flaw = pick_flaw(rng, text)
    seed = random.Random(f"{model}|{step}|favorite") if flaw == "favorite" else rng
    count = 2 if flaw == "degenerate" else COUNT.get(_field(text, "Difficulty").lower(), 5)
    item = draft(ticket(seed.randint(10000, 99999)), step, count, rng, _field(text, "Workflow") or "support", flaw)
    return json_reply(json.dumps(item, ensure_ascii=False), flaw, rng)


@handles("agent_step", "judge-realism")
def judge(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    text = user_text(messages)
    if rng.random() < 0.01:
        return "This looks like a sensible support ticket to me."  # prose instead of the requested JSON
    marker = next((s for s in AMBIGUOUS if s in text), None)
    if marker is not None and rng.random() < 0.9:
        readings = [f"The goal without '{marker}': one next action.", f"The goal with '{marker}': another action."]
        reason = f"The goal says '{marker}', so more than one action fits."
        return json.dumps({"realistic": False, "readings": readings, "reason": reason})
    if marker is None and rng.random() < 0.03:
        return json.dumps({"realistic": False, "reason": "A real customer would not phrase the request this way."})
    return json.dumps({"realistic": True, "reason": "A plausible ticket with exactly one right next action."})


@handles("agent_step", "repair")
def repairer(model: str, messages: list[dict[str, str]], rng: random.Random) -> str:
    instruction, item = repair_request(user_text(messages))
    instruction = instruction.lower()
    if not isinstance(item, dict):
        return "I could not find the item to repair."
    number = re.search(r"\bT-(\d{4,6})\b", json.dumps(item.get("context", "")))
    step = world_step(str(item.get("step", "")))
    if number is None or not isinstance(item.get("actions"), list):
        return json.dumps(item)
    t, lucky, fixed = ticket(int(number.group(1))), rng.random() < 0.75, dict(item)
    name, args = truth(t, step)
    if "reference answer looks wrong" in instruction:
        ok = lucky and not stubborn("reference", t, step)
        pick = (name, args) if ok else rng.choice(mistakes(t, step, [a.get("name") for a in item["actions"]]))
        fixed["answer"] = {"action": pick[0], "args": pick[1]}
        fixed["rationale"] = because(step, pick[0])
    elif "set grading to" in instruction:
        if lucky and not stubborn("grading", t, step):
            fixed["grading"] = "action_args"
    elif "remove that sentence" in instruction:
        if lucky and not stubborn("leak", t, step):
            cues = [leak.format(name=name) for leak in LEAKS]
            fixed["context"] = [turn for turn in item["context"] if turn.get("content") not in cues]
    elif "ambiguous or unrealistic" in instruction:
        if lucky and not stubborn("ambiguity", t, step):
            fixed["goal"] = goal(t)
    elif "reorder the actions" in instruction and len(item["actions"]) >= 3:
        acts = list(item["actions"])
        right = next((a for a in acts if normalise_name(a.get("name", "")) == normalise_name(name)), None)
        if right is not None and not stubborn("order", t, step):
            acts.remove(right)
            rng.shuffle(acts)
            acts.insert(rng.randint(1, len(acts) - 1) if lucky else rng.choice((0, len(acts))), right)
            fixed["actions"] = acts
    return json.dumps(fixed, ensure_ascii=False)
