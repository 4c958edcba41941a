"""The agent-step author's injected mistakes: which flaw a draft carries, how it is built, and which the repairer
can never fix.

Flaws are picked at fixed rates, halved for kinds the author's "Commonly missed" checklist names; a stubborn
problem is a property of the ticket and step, so asking the repairer again does not help.
"""

from __future__ import annotations

import random
from typing import Any

from panel.agent_step.desk import CATALOG, NEAR, Ticket, because, context, goal, mistakes, truth, unit
from panel.protocol import choose_flaw, missed_in

AMBIGUOUS = (
    "Do whatever seems best for the customer.",
    "Some of these steps may already have been done, or not.",
    "Use your judgement about which policy applies.",
    "The customer may also want something else.",
)
LEAKS = ("Next action: {name}.", "Please just call {name} now.", "Supervisor: use {name} for this one.")
RATES = (
    ("wrong", 0.12),
    ("favorite", 0.08),
    ("leak", 0.08),
    ("ambiguous", 0.08),
    ("loose", 0.08),
    ("position", 0.07),
    ("mention", 0.04),
    ("malformed", 0.06),
    ("contradiction", 0.06),
    ("degenerate", 0.05),
    ("truncated", 0.02),
)
CHECKLIST_WORDS = {
    "wrong": ("oracle",),
    "favorite": ("duplicate",),
    "leak": ("tells the agent",),
    "ambiguous": ("ambiguous",),
    "loose": ("accepts a wrong",),
    "position": ("trivial",),
    "contradiction": ("rationale",),
    "malformed": ("malformed",),
}
# Share of items whose problem of this kind the repairer never fixes, however often it is asked.
STUBBORN = {"reference": 0.45, "grading": 0.5, "ambiguity": 0.6, "leak": 0.4, "order": 0.2}


def stubborn(kind: str, t: Ticket, step: str) -> bool:
    """The repairer can never fix this item's problem of ``kind``: a property of the ticket and step."""
    return unit(kind, t.number, step) < STUBBORN.get(kind, 0.0)


def pick_flaw(rng: random.Random, text: str) -> str:
    """The flaw the author's next draft carries ("clean" for none), given its request text."""
    return choose_flaw(rng, missed_in(text), RATES, CHECKLIST_WORDS)


def _actions(t: Ticket, step: str, count: int, rng: random.Random, edge: bool) -> list[dict[str, Any]]:
    right = truth(t, step)[0]
    near = [n for n in NEAR[step] if n != right]
    far = [n for n in CATALOG if n not in near and n != right]
    names = near[:2] + rng.sample(near[2:] + far, count - 3) if count >= 3 else [rng.choice(far)]
    rng.shuffle(names)
    spot = rng.choice((0, len(names))) if edge or count < 3 else rng.randint(1, len(names) - 1)
    names.insert(spot, right)
    return [{"name": n, "description": CATALOG[n][0], "args": dict(CATALOG[n][1])} for n in names]


def draft(t: Ticket, step: str, count: int, rng: random.Random, workflow: str, flaw: str) -> dict[str, Any]:
    """The author's item for ``t`` at ``step`` carrying ``flaw`` (a clean item for "clean")."""
    name, args = truth(t, step)
    acts = _actions(t, step, count, rng, flaw == "position")
    item: dict[str, Any] = {
        "workflow": workflow,
        "goal": goal(t),
        "step": step,
        "context": context(t, step),
        "actions": acts,
        "answer": {"action": name, "args": args},
        "grading": "action_args",
        "rationale": because(step, name),
    }
    names = [a["name"] for a in acts]
    if flaw == "wrong":
        bad = rng.choice(mistakes(t, step, names))
        item["answer"] = {"action": bad[0], "args": bad[1]}
        item["rationale"] = because(step, bad[0])
    elif flaw == "contradiction":
        item["rationale"] = because(step, rng.choice([n for n in names if n != name]))
    elif flaw == "leak":
        item["context"].append({"role": "user", "content": rng.choice(LEAKS).format(name=name)})
    elif flaw == "mention":
        item["context"].append(
            {"role": "tool", "content": f"Dashboard banner: {name} is rate-limited today ({name} limit: 3 per ticket)."}
        )
    elif flaw == "ambiguous":
        item["goal"] = f"{item['goal']} {rng.choice(AMBIGUOUS)}"
    elif flaw == "loose":
        item["grading"] = "action"
    elif flaw == "malformed":
        broken = rng.choice(("action", "arg", "role", "type"))
        if broken == "action":
            item["answer"]["action"] = name.title().replace("_", "")
        elif broken == "arg" and args:
            item["answer"]["args"] = {
                k: f"{v} (see above)" if isinstance(v, float) else v for k, v in list(args.items())[1:]
            }
        elif broken == "role":
            item["context"][0]["role"] = "customer"
        else:
            acts[0]["args"] = {k: "money" for k in acts[0]["args"]} or {"value": "money"}
    return item
