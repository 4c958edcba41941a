"""Messages the agent-step recipe sends. Each system prompt starts with a ``[assay:agent_step:<role>]`` header
(the offline panel dispatches on it; a hosted model just follows the instructions after it)."""

from __future__ import annotations

import json
from typing import Any

AUTHOR = """[assay:agent_step:author]
You write one evaluation point for an agent workflow: a single decision at one step, with a known-correct action.
Reply with only a JSON object with these keys:
  "goal": what the agent is trying to achieve, in one or two plain sentences with exactly one reading;
  "context": the transcript so far, a list of {"role": "user" | "assistant" | "tool", "content": "..."}:
             the user's request, then each earlier step's action and its tool result; it must never tell the
             agent what to do next;
  "actions": the tools the agent may call, a list of {"name", "description", "args": {"arg": "type"}} with
             types string, number, integer, boolean, array or object; shuffle them so the correct one is
             neither first nor last;
  "answer": the correct next action, {"action": "<name>", "args": {...}};
  "grading": "action_args" (name and arguments must match), or "action" only when the action takes no arguments;
  "rationale": one sentence on why that action is the right one at this step."""

SOLVE = """[assay:agent_step:{role}]
You are the agent in the workflow below. Read the transcript and choose the single next action for the current
step from the available actions. Think briefly if you like, then end with one line of the form
ACTION: <action name> <JSON object of arguments>"""

JUDGE = """[assay:agent_step:judge-realism]
You review one step of an agent workflow before it is used to test agents. Decide whether it is realistic and
unambiguous: the goal is clear, the transcript is plausible, and a careful expert would pick exactly one of the
available actions. List every distinct reading of the goal a careful expert could take (one entry when it has a
single reading; for each, the action it leads to). Reply with only a JSON object:
{"realistic": true or false, "readings": ["<reading>", ...], "reason": "<one short sentence>"}"""

REPAIR = """[assay:agent_step:repair]
You fix one agent-step evaluation item. Apply the instruction, change nothing else, and reply with only the
corrected item as a JSON object with the same keys."""


def author(
    workflow: str,
    steps: list[str],
    step: str,
    difficulty: str,
    checklist: list[str],
    extra: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """The author's request: the workflow, its steps in order, the step to write and its difficulty."""
    lines = [
        f"Workflow: {workflow}",
        f"Steps: {' -> '.join(steps)}",
        f"Step: {step}",
        f"Step index: {steps.index(step) if step in steps else 0}",
        f"Difficulty: {difficulty}",
    ]
    lines += [f"{name.replace('_', ' ').capitalize()}: {value}" for name, value in (extra or {}).items()]
    if checklist:
        lines += ["", "Commonly missed by earlier items (check each one):"] + [f"- {c}" for c in checklist]
    return [{"role": "system", "content": AUTHOR}, {"role": "user", "content": "\n".join(lines)}]


def signature(action: dict[str, Any]) -> str:
    args = action.get("args") or {}
    return f"{action.get('name', '?')}({', '.join(f'{k}: {v}' for k, v in args.items())})"


def transcript(context: list[dict[str, str]]) -> str:
    return "\n".join(f"[{turn.get('role', '?')}] {turn.get('content', '')}" for turn in context)


def task(payload: dict[str, Any]) -> str:
    """The decision as a solver sees it: workflow, goal, step, transcript and the available actions."""
    actions = "\n".join(f"- {signature(a)}: {a.get('description', '')}" for a in payload.get("actions", []))
    return (
        f"Workflow: {payload.get('workflow', '')}\nGoal: {payload.get('goal', '')}\n"
        f"Current step: {payload.get('step', '')} (step {int(payload.get('step_index', 0)) + 1})\n\n"
        f"Transcript so far:\n{transcript(payload.get('context', []))}\n\nAvailable actions:\n{actions}"
    )


def solve(payload: dict[str, Any], role: str = "solve") -> list[dict[str, str]]:
    return [{"role": "system", "content": SOLVE.format(role=role)}, {"role": "user", "content": task(payload)}]


def judge(payload: dict[str, Any]) -> list[dict[str, str]]:
    return [{"role": "system", "content": JUDGE}, {"role": "user", "content": task(payload)}]


def repair(item: dict[str, Any], instruction: str) -> list[dict[str, str]]:
    body = json.dumps(item, ensure_ascii=False, sort_keys=True)
    user = f"Instruction: {instruction}\n\nItem:\n{body}"
    return [{"role": "system", "content": REPAIR}, {"role": "user", "content": user}]
